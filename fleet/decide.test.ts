import { describe, expect, it } from 'vitest';
import { Duration } from '../site/index.js';
import { etcdOf, fleetSite } from '../test/helpers/fleet-site.js';
import { decidePoolChange, type PoolRequest } from './decide.js';
import type { PoolRecord } from './record.js';
import type { FleetSnapshot } from './store.js';
import { resolveTarget } from './targets.js';

const site = fleetSite();
const limits = etcdOf(site).limits;
const NOW = Date.UTC(2026, 11, 3, 6, 0, 0);

function request(name: string, over: Partial<PoolRequest> = {}): PoolRequest {
  const r = resolveTarget(site, name);
  if (!r.ok) throw new Error(r.problem);
  return { target: r.target, to: 'no', reason: 'kernel upgrade', who: 'alice@ops', force: false, ...over };
}

function snapshot(records: Record<string, PoolRecord> = {}): FleetSnapshot {
  return { revision: 7, generation: 7, records: new Map(Object.entries(records)), problems: [] };
}

const l4Out: PoolRecord = { pooled: 'no', reason: 'disk', who: 'bob@ops', when: '2026-12-03T05:00:00.000Z' };

describe('decidePoolChange', () => {
  it('writes the record and its history entry, from the state read, with the expiry of the ttl', () => {
    const d = decidePoolChange(site, limits, request('l4-1', { ttl: Duration.ofMs(30 * 60_000) }), snapshot(), NOW);
    const record = { pooled: 'no', reason: 'kernel upgrade', who: 'alice@ops', when: '2026-12-03T06:00:00.000Z', expires: '2026-12-03T06:30:00.000Z' };
    expect(d).toEqual({ kind: 'write', write: { record, event: { ...record, name: 'l4-1', from: 'yes' } } });
  });

  it('refuses past a limit, with the limit\'s sentence', () => {
    const d = decidePoolChange(site, limits, request('l4-2'), snapshot({ 'l4-1': l4Out }), NOW);
    expect(d).toEqual({ kind: 'refused', why: ['etcd.limits.maxL4Withdrawn: l4-2 would make 2 of 3 L4 nodes out, at most 1; already out: l4-1 (no by bob@ops: disk)'] });
  });

  it('goes past a limit with force and records which', () => {
    const d = decidePoolChange(site, limits, request('l4-2', { force: true }), snapshot({ 'l4-1': l4Out }), NOW);
    expect(d.kind === 'write' && d.write.record.forced).toBe('etcd.limits.maxL4Withdrawn (2 of 3 L4 nodes out, at most 1)');
  });

  it('reads an expired record as pooled: it neither counts against a limit nor is the state changed from', () => {
    const expired = { ...l4Out, expires: '2026-12-03T05:59:59.000Z' };
    const d = decidePoolChange(site, limits, request('l4-2'), snapshot({ 'l4-1': expired, 'l4-2': expired }), NOW);
    expect(d.kind === 'write' && d.write.event.from).toBe('yes');
  });

  it('keeps a weight on a pooled L7 node', () => {
    const d = decidePoolChange(site, limits, request('l7-1', { to: 'yes', reason: '', weight: 50 }), snapshot(), NOW);
    expect(d.kind === 'write' && d.write.record).toEqual({ pooled: 'yes', weight: 50, reason: '', who: 'alice@ops', when: '2026-12-03T06:00:00.000Z' });
  });
});
