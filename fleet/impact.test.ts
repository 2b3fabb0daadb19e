import { describe, expect, it } from 'vitest';
import { fleetSite } from '../test/helpers/fleet-site.js';
import { impactOf } from './impact.js';
import type { Pooled } from './record.js';
import { resolveTarget, type FleetTarget } from './targets.js';

const site = fleetSite();

function target(name: string): FleetTarget {
  const r = resolveTarget(site, name);
  if (!r.ok) throw new Error(r.problem);
  return r.target;
}

const impact = (out: Record<string, Pooled>, name: string, to: Pooled, weight?: number) =>
  impactOf(site, new Map(Object.entries(out)), { target: target(name), to, ...(weight !== undefined ? { weight } : {}) });

describe('impactOf', () => {
  it('says which VIPs an L4 node withdraws and which L4 nodes keep announcing them', () => {
    expect(impact({}, 'l4-1', 'no')).toEqual([
      'web: l4-1 withdraws 198.51.100.1, 198.51.100.2, 2001:db8::c633:6401, 2001:db8::c633:6402; 2 of 3 L4 nodes keep announcing (l4-2, l4-3)',
      'api: l4-1 withdraws 198.51.100.3, 198.51.100.4, 2001:db8::c633:6403, 2001:db8::c633:6404; 2 of 3 L4 nodes keep announcing (l4-2, l4-3)',
    ]);
  });

  it('counts the L4 nodes already out', () => {
    expect(impact({ 'l4-2': 'drain' }, 'l4-1', 'drain')[0]).toMatch(/; 1 of 3 L4 nodes keep announcing \(l4-3\)$/);
  });

  it('says an L4 node pooled back announces again', () => {
    expect(impact({ 'l4-1': 'no' }, 'l4-1', 'yes')[0]).toBe('web: l4-1 announces 198.51.100.1, 198.51.100.2, 2001:db8::c633:6401, 2001:db8::c633:6402 again; 3 of 3 L4 nodes announce (l4-1, l4-2, l4-3)');
  });

  it('counts, per service, the L7 nodes that take new connections', () => {
    expect(impact({ 'l7-2': 'no' }, 'l7-1', 'drain')).toEqual([
      'web: 2 of 4 L7 nodes take new connections; out: l7-1 (drain), l7-2 (no)',
      'api: 2 of 4 L7 nodes take new connections; out: l7-1 (drain), l7-2 (no)',
    ]);
  });

  it('names the weight an L7 node is pooled at', () => {
    expect(impact({}, 'l7-1', 'yes', 50)[0]).toBe('web: 4 of 4 L7 nodes take new connections; l7-1 at 50% of its weight');
  });

  it('counts, per pool, the servers pooled, with the services the pool serves', () => {
    expect(impact({}, 'srv-2', 'no')).toEqual([
      'pool web: 3 of 4 servers pooled (services: web); out: srv-2 (no)',
      'pool api: 3 of 4 servers pooled (services: api); out: srv-2 (no)',
    ]);
  });
});
