import { describe, expect, it } from 'vitest';
import { etcdOf, fleetSite } from '../test/helpers/fleet-site.js';
import { checkLimits, type FleetState } from './limits.js';
import type { PoolRecord, Pooled } from './record.js';
import { resolveTarget, type FleetTarget } from './targets.js';

const site = fleetSite();
const limits = etcdOf(site).limits;

function target(name: string): FleetTarget {
  const r = resolveTarget(site, name);
  if (!r.ok) throw new Error(r.problem);
  return r.target;
}

/** The fleet with these names out, each set by alice for a reason naming it. */
function fleet(out: Record<string, Pooled>): FleetState {
  const records = new Map<string, PoolRecord>(Object.entries(out).map(([n, pooled]) => [n, { pooled, reason: `work on ${n}`, who: 'alice@ops', when: '2026-12-03T06:00:00.000Z' }]));
  return { states: new Map(Object.entries(out)), records };
}

const check = (out: Record<string, Pooled>, name: string, to: Pooled, l = limits) => checkLimits(site, l, fleet(out), { target: target(name), to });

describe('checkLimits: L4 nodes', () => {
  it('lets the first L4 node out under maxL4Withdrawn: 1', () => {
    expect(check({}, 'l4-1', 'no')).toEqual([]);
  });

  it('refuses a second L4 node out, naming the limit, the count and who has the first out', () => {
    expect(check({ 'l4-1': 'no' }, 'l4-2', 'no')).toEqual([{
      limit: 'etcd.limits.maxL4Withdrawn',
      summary: '2 of 3 L4 nodes out, at most 1',
      text: 'etcd.limits.maxL4Withdrawn: l4-2 would make 2 of 3 L4 nodes out, at most 1; already out: l4-1 (no by alice@ops: work on l4-1)',
    }]);
  });

  it('counts a drained L4 node as out, and a drain as taking one out', () => {
    expect(check({ 'l4-1': 'drain' }, 'l4-2', 'drain')).toHaveLength(1);
  });

  it('never refuses pooling back, even with the limit already broken', () => {
    expect(check({ 'l4-1': 'no', 'l4-2': 'no', 'l4-3': 'no' }, 'l4-2', 'yes')).toEqual([]);
  });

  it('lets a node already out change from drain to no when the limit is already broken', () => {
    expect(check({ 'l4-1': 'no', 'l4-2': 'drain' }, 'l4-2', 'no')).toEqual([]);
  });

  it('refuses one more node out when the limit is already broken', () => {
    expect(check({ 'l4-1': 'no', 'l4-2': 'no' }, 'l4-3', 'no')[0]?.summary).toBe('3 of 3 L4 nodes out, at most 1');
  });
});

describe('checkLimits: L7 nodes', () => {
  it('lets half of a service\'s L7 nodes out under maxL7DepooledShare: 0.5', () => {
    expect(check({ 'l7-1': 'no' }, 'l7-2', 'drain')).toEqual([]);
  });

  it('refuses a third of four, once for every service the node serves', () => {
    const broken = check({ 'l7-1': 'no', 'l7-2': 'drain' }, 'l7-3', 'no');
    expect(broken.map((b) => b.summary)).toEqual([
      'service web: 3 of 4 L7 nodes out (75%), at most 50%',
      'service api: 3 of 4 L7 nodes out (75%), at most 50%',
    ]);
    expect(broken[0]?.text).toMatch(/already out: l7-1 \(no by alice@ops: work on l7-1\), l7-2 \(drain by alice@ops: work on l7-2\)$/);
  });
});

describe('checkLimits: servers', () => {
  it('lets a pool keep half of its servers under depoolThreshold: 0.5', () => {
    expect(check({ 'srv-1': 'no' }, 'srv-2', 'no')).toEqual([]);
  });

  it('refuses a server whose pools would keep fewer than half pooled, per pool', () => {
    const broken = check({ 'srv-1': 'no', 'srv-2': 'drain' }, 'srv-3', 'no');
    expect(broken.map((b) => b.text)).toEqual([
      'etcd.limits.depoolThreshold: srv-3 would leave pool web: 1 of 4 servers pooled (25%), at least 50%; already out: srv-1 (no by alice@ops: work on srv-1), srv-2 (drain by alice@ops: work on srv-2)',
      'etcd.limits.depoolThreshold: srv-3 would leave pool api: 1 of 4 servers pooled (25%), at least 50%; already out: srv-1 (no by alice@ops: work on srv-1), srv-2 (drain by alice@ops: work on srv-2)',
    ]);
  });

  it('counts a server out when the backend node it runs on is out, and says so', () => {
    const site5 = fleetSite({ web5: true });
    const r = resolveTarget(site5, 'srv-3');
    if (!r.ok) throw new Error(r.problem);
    const broken = checkLimits(site5, limits, fleet({ 'srv-1': 'no' }), { target: r.target, to: 'no' });
    expect(broken.map((b) => b.text)).toEqual([
      'etcd.limits.depoolThreshold: srv-3 would leave pool web: 2 of 5 servers pooled (40%), at least 50%; already out: srv-1 (no by alice@ops: work on srv-1), web-5 on node srv-1 (no by alice@ops: work on srv-1)',
    ]);
  });

  it('checks against a stricter threshold from the site', () => {
    expect(check({}, 'srv-1', 'drain', { ...limits, depoolThreshold: 1 })[0]?.limit).toBe('etcd.limits.depoolThreshold');
  });
});
