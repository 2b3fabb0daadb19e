// The agent's fleet feed on a real etcd member: a change reaches it through
// the watch, a garbled value keeps the last record, and a member stopped and
// started again is followed (cut off, then caught up with what changed).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { etcdFleetConnection } from '../../agent/drivers/etcd/feed-connection.js';
import { FleetFeed } from '../../agent/inputs/fleet-feed.js';
import { fileSavedFleet } from '../../agent/inputs/fleet-saved.js';
import { systemClock } from '../../agent/ports/clock.js';
import { encodeRecord } from '../../fleet/record.js';
import { fleetSite } from '../helpers/fleet-site.js';
import { etcdForFile } from '../helpers/etcd.js';

const etcd = etcdForFile();


const waitFor = (check: () => void, timeout = 15000): Promise<void> => vi.waitFor(check, { timeout, interval: 50 });

describe('the fleet feed on etcd', () => {
  it('follows changes, keeps a record over a garbled value, and catches up after the member was away', async () => {
    const settings = fleetSite({ endpoint: etcd.member().endpoint, prefix: '/feed' }).etcd;
    if (!settings) throw new Error('no etcd section');
    const problems: string[] = [];
    const feed = new FleetFeed({
      connect: etcdFleetConnection, saved: fileSavedFleet(join(mkdtempSync(join(tmpdir(), 'tierlb-feed-')), 'fleet-state.json')), clock: systemClock,
      onView: () => undefined, onProblem: (what) => problems.push(what),
    });
    await feed.follow(settings);
    await waitFor(() => expect(feed.current()?.source).toBe('store'));
    const rec = { pooled: 'no' as const, reason: 'disk', who: 'a@h', when: new Date().toISOString() };
    await etcd.client().put('/feed/pool/srv-1').value(encodeRecord(rec));
    await waitFor(() => expect(feed.current()?.records.get('srv-1')?.pooled).toBe('no'));
    await etcd.client().put('/feed/pool/srv-1').value('garbage');
    await waitFor(() => expect(problems.some((p) => p.includes('/feed/pool/srv-1'))).toBe(true));
    expect(feed.current()?.records.get('srv-1')?.pooled).toBe('no');
    await etcd.member().stop();
    await waitFor(() => expect(feed.current()?.unreachableSince).toBeDefined());
    expect(feed.current()?.records.get('srv-1')?.pooled).toBe('no');
    await etcd.member().start();
    await etcd.client().put('/feed/pool/srv-1').value(encodeRecord({ ...rec, pooled: 'yes' }));
    await etcd.client().delete().key('/feed/pool/l4-9');
    await waitFor(() => expect(feed.current()?.unreachableSince).toBeUndefined(), 30000);
    await waitFor(() => expect(feed.current()?.records.get('srv-1')?.pooled).toBe('yes'));
    await etcd.client().delete().key('/feed/pool/srv-1');
    await waitFor(() => expect(feed.current()?.records.has('srv-1')).toBe(false));
    await feed.close();
  });
});
