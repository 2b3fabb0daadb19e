import { describe, expect, it } from 'vitest';
import { loadSite, nodeOf } from '../../test/helpers/site.js';
import { l7CheckTargets } from './l7-monitor-targets.js';

describe('l7CheckTargets', () => {
  const site = loadSite();
  const targets = l7CheckTargets(site, nodeOf(site, 'l4-1'));

  it('checks each L7 node once, on its IPv4 address, at the _all URI of the monitor port', () => {
    expect(targets.map((t) => t.l7)).toEqual(['l7-1', 'l7-2', 'l7-3', 'l7-4']);
    expect(targets[0]).toMatchObject({ address: '10.0.1.31', port: 9100, path: '/tierlb/health/_all', localAddress: '10.0.0.21' });
  });

  it('uses the shortest interval and timeout of the services the node serves, and each service its rise/fall', () => {
    expect(targets[0]).toMatchObject({ intervalMs: 1000, timeoutMs: 500, services: { web: { rise: 2, fall: 2 }, api: { rise: 2, fall: 2 } } });
  });
});
