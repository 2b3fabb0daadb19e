import { describe, expect, it } from 'vitest';
import { fleetSite } from '../test/helpers/fleet-site.js';
import { resolveTarget } from './targets.js';

const site = fleetSite();

const withWeb5 = fleetSite({ web5: true });

describe('resolveTarget', () => {
  it('names an L4 node as an l4 target with no pool entries', () => {
    expect(resolveTarget(site, 'l4-2')).toEqual({ ok: true, target: { name: 'l4-2', kind: 'l4', servers: [] } });
  });

  it('names an L7 node as an l7 target', () => {
    expect(resolveTarget(site, 'l7-3')).toEqual({ ok: true, target: { name: 'l7-3', kind: 'l7', servers: [] } });
  });

  it('takes a backend node as every pool entry of the server of its name', () => {
    expect(resolveTarget(site, 'srv-1')).toEqual({
      ok: true,
      target: { name: 'srv-1', kind: 'server', servers: [{ pool: 'web', server: 'srv-1' }, { pool: 'api', server: 'srv-1' }] },
    });
  });

  it('takes a backend node as the servers of other names it runs too', () => {
    const r = resolveTarget(withWeb5, 'srv-1');
    expect(r.ok && r.target.servers).toEqual([{ pool: 'web', server: 'srv-1' }, { pool: 'web', server: 'web-5' }, { pool: 'api', server: 'srv-1' }]);
  });

  it('takes a pool server that is no node as its own entries only', () => {
    expect(resolveTarget(withWeb5, 'web-5')).toEqual({ ok: true, target: { name: 'web-5', kind: 'server', servers: [{ pool: 'web', server: 'web-5' }] } });
  });

  it('refuses a router and lists what can be pooled', () => {
    const r = resolveTarget(site, 'rt-1');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toBe(
      'NAME: expected an L4 node, an L7 node, a backend node or a pool server, got "rt-1" (a router node, which is not pooled); '
      + 'L4 nodes: l4-1, l4-2, l4-3; L7 nodes: l7-1, l7-2, l7-3, l7-4; backend nodes: srv-1, srv-2, srv-3, srv-4',
    );
  });

  it('refuses a name the site does not have', () => {
    const r = resolveTarget(site, 'l4-9');
    expect(!r.ok && r.problem).toMatch(/^NAME: expected .*, got "l4-9" \(not a node or server of this site\); L4 nodes: l4-1/);
  });
});
