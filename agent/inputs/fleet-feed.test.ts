// The fleet feed against a fake store connection: it reads, follows changes,
// keeps the last state when the store is cut off (and says since when),
// starts from the copy saved on this host, and catches up when the store is back.
import { describe, expect, it, vi } from 'vitest';
import type { EtcdSettings } from '../../site/index.js';
import { Duration } from '../../site/index.js';
import { encodeRecord, type PoolRecord } from '../../fleet/record.js';
import type { FleetView } from '../../fleet/store.js';
import { systemClock } from '../ports/clock.js';
import { FleetFeed, type FleetChange, type FleetConnection, type FleetRead, type SavedFleet } from './fleet-feed.js';

const SETTINGS = {
  endpoints: ['http://127.0.0.1:2379'], prefix: '/tierlb/t', dialTimeout: Duration.ofMs(2000),
  limits: { maxL4Withdrawn: 1, maxL7DepooledShare: 0.5, depoolThreshold: 0.5 },
} as unknown as EtcdSettings;

const depooled: PoolRecord = { pooled: 'no', reason: 'test', who: 'a@h', when: '2026-12-03T06:00:00.000Z' };

/** A store that can be cut off: connections fail, and a live one's probe and watch fail. */
class FakeStore {
  records = new Map<string, PoolRecord>();
  revision = 1;
  up = true;
  connections = 0;
  garbled = new Set<string>();
  private watchers: { changed: (c: readonly FleetChange[]) => void; failed: (why: string) => void }[] = [];

  set(name: string, r: PoolRecord | undefined): void {
    if (r) this.records.set(name, r);
    else this.records.delete(name);
    this.garbled.delete(name);
    this.tell({ kind: r ? 'put' : 'delete', key: `/tierlb/t/pool/${name}`, name, value: r ? encodeRecord(r) : '', revision: ++this.revision });
  }

  /** Someone writes a value tierlb cannot read. */
  garble(name: string): void {
    this.records.delete(name);
    this.garbled.add(name);
    this.tell({ kind: 'put', key: `/tierlb/t/pool/${name}`, name, value: '{"pooled":"maybe"}', revision: ++this.revision });
  }

  private tell(c: FleetChange): void {
    for (const w of this.watchers) w.changed([c]);
  }

  cut(): void {
    this.up = false;
    for (const w of this.watchers.splice(0)) w.failed('connection reset');
  }

  async connect(): Promise<FleetConnection> {
    if (!this.up) throw new Error('etcd at http://127.0.0.1:2379: connect ECONNREFUSED');
    this.connections++;
    const check = (): void => { if (!this.up) throw new Error('deadline exceeded'); };
    return {
      read: async (): Promise<FleetRead> => {
        check();
        const problems = [...this.garbled].map((name) => ({ key: `/tierlb/t/pool/${name}`, name, problem: 'pooled: invalid' }));
        return { revision: this.revision, records: new Map(this.records), problems };
      },
      watch: async (_from, changed, failed) => { check(); this.watchers.push({ changed, failed }); },
      probe: async () => check(),
      close: async () => undefined,
    };
  }
}

function memorySaved(initial?: FleetRead): SavedFleet & { copy: FleetRead | undefined } {
  const s = {
    copy: initial,
    load: async () => s.copy,
    save: async (r: FleetRead) => { s.copy = r; },
  };
  return s;
}

function feed(store: FakeStore, saved = memorySaved()) {
  const views: (FleetView | undefined)[] = [];
  const f = new FleetFeed({ connect: () => store.connect(), saved, clock: systemClock, onView: (v) => views.push(v), onProblem: () => undefined });
  return { f, views, saved };
}

const waitFor = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 5000, interval: 10 });

describe('FleetFeed', () => {
  it('reads the records, follows each change within a watch event, and saves them on this host', async () => {
    const store = new FakeStore();
    const { f, saved } = feed(store);
    await f.follow(SETTINGS);
    await waitFor(() => expect(f.current()?.source).toBe('store'));
    store.set('l4-1', depooled);
    await waitFor(() => expect(f.current()?.records.get('l4-1')?.pooled).toBe('no'));
    expect(saved.copy?.records.get('l4-1')?.pooled).toBe('no');
    await f.close();
  });

  it('keeps the record it had when a value becomes one it cannot read, from the watch or a read', async () => {
    const store = new FakeStore();
    const problems: string[] = [];
    const f = new FleetFeed({ connect: () => store.connect(), saved: memorySaved(), clock: systemClock, onView: () => undefined, onProblem: (what) => problems.push(what) });
    await f.follow(SETTINGS);
    await waitFor(() => expect(f.current()?.source).toBe('store'));
    store.set('l4-1', depooled);
    await waitFor(() => expect(f.current()?.records.get('l4-1')?.pooled).toBe('no'));
    store.garble('l4-1');
    await waitFor(() => expect(problems.some((p) => /keeping the last record of l4-1/.test(p))).toBe(true));
    expect(f.current()?.records.get('l4-1')?.pooled).toBe('no');
    // A whole read after a reconnect keeps it too.
    store.cut();
    store.up = true;
    await waitFor(() => expect(store.connections).toBe(2));
    await waitFor(() => expect(f.current()?.unreachableSince).toBeUndefined());
    expect(f.current()?.records.get('l4-1')?.pooled).toBe('no');
    store.set('l4-1', undefined);
    await waitFor(() => expect(f.current()?.records.has('l4-1')).toBe(false));
    await f.close();
  });

  it('keeps the last state when the store is cut off, says since when, and catches up when it is back', async () => {
    const store = new FakeStore();
    store.set('l4-1', depooled);
    const { f } = feed(store);
    await f.follow(SETTINGS);
    await waitFor(() => expect(f.current()?.source).toBe('store'));
    const before = Date.now();
    store.cut();
    await waitFor(() => expect(f.current()?.unreachableSince).toBeGreaterThanOrEqual(before));
    expect(f.current()?.records.get('l4-1')?.pooled).toBe('no');
    // Changed while this agent could not see it.
    store.records.delete('l4-1');
    store.records.set('srv-1', { ...depooled, pooled: 'drain' });
    store.up = true;
    await waitFor(() => expect(f.current()?.unreachableSince).toBeUndefined());
    expect([...(f.current()?.records.keys() ?? [])]).toEqual(['srv-1']);
    await f.close();
  });

  it('starts from the saved copy when the store cannot be reached', async () => {
    const store = new FakeStore();
    store.up = false;
    const { f } = feed(store, memorySaved({ revision: 7, records: new Map([['l7-2', depooled]]), problems: [] }));
    await f.follow(SETTINGS);
    expect(f.current()).toMatchObject({ source: 'saved copy', revision: 7 });
    expect(f.current()?.records.get('l7-2')?.pooled).toBe('no');
    await waitFor(() => expect(f.current()?.unreachableSince).toBeDefined());
    expect(f.current()?.unreachableWhy).toMatch(/ECONNREFUSED/);
    await f.close();
  });

  it('forgets the fleet state when the site drops its etcd section, and reconnects for new settings', async () => {
    const store = new FakeStore();
    const { f, views } = feed(store);
    await f.follow(SETTINGS);
    await waitFor(() => expect(f.current()?.source).toBe('store'));
    await f.follow(SETTINGS);
    expect(store.connections).toBe(1);
    await f.follow({ ...SETTINGS, prefix: '/tierlb/other' } as EtcdSettings);
    await waitFor(() => expect(store.connections).toBe(2));
    await f.follow(undefined);
    expect(f.current()).toBeUndefined();
    expect(views.at(-1)).toBeUndefined();
  });
});
