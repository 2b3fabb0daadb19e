import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { bfdPairs, birdBfdView } from './bfd.js';
import { birdSpeakerSite, changedSite, nodeOf } from './test-sites.js';

const site = loadSite();

describe('bfdPairs', () => {
  it('pairs every router with every L4 node in each family both have, whoever their BGP peers are', () => {
    expect(bfdPairs(site).map((p) => `${p.router.name}>${p.l4.name}/${p.family}`)).toEqual([
      'rt-1>l4-1/ipv4', 'rt-1>l4-1/ipv6', 'rt-1>l4-2/ipv4', 'rt-1>l4-2/ipv6', 'rt-1>l4-3/ipv4', 'rt-1>l4-3/ipv6',
      'rt-2>l4-1/ipv4', 'rt-2>l4-1/ipv6', 'rt-2>l4-2/ipv4', 'rt-2>l4-2/ipv6', 'rt-2>l4-3/ipv4', 'rt-2>l4-3/ipv6',
    ]);
  });

  it('leaves out a family the router has no address in', () => {
    const v4 = changedSite((v) => { delete v.nodes[0].addresses.ipv6; });
    expect(bfdPairs(v4).filter((p) => p.router.name === 'rt-1').map((p) => p.family)).toEqual(['ipv4', 'ipv4', 'ipv4']);
  });

  it('leaves out a family the router has no BGP session in (it learns no VIP route of it)', () => {
    const v4 = changedSite((v) => { delete v.nodes[2].addresses.ipv6; delete v.nodes[3].addresses.ipv6; });
    expect(bfdPairs(v4).some((p) => p.family === 'ipv6')).toBe(false);
  });

  it('pairs nothing when the site disables BFD', () => {
    expect(bfdPairs(changedSite((v) => { v.bgp.bfd.enabled = false; }))).toEqual([]);
  });
});

describe('birdBfdView', () => {
  it('answers every router from an L4 node whose speaker is gobgp, with the site timers', () => {
    expect(birdBfdView(site, nodeOf(site, 'l4-2'))).toEqual({
      node: 'l4-2', routerId: '10.0.0.22', bfd: { intervalMs: 100, multiplier: 3 },
      neighbors: ['10.0.0.1', 'fd00::1', '10.0.0.2', 'fd00::2'],
    });
  });

  it('is not rendered where the BIRD speaker answers BFD itself, nor on a router', () => {
    const bird = birdSpeakerSite();
    expect(birdBfdView(bird, nodeOf(bird, 'l4-1'))).toBeUndefined();
    expect(birdBfdView(site, nodeOf(site, 'rt-1'))).toBeUndefined();
  });

  it('takes the interval and multiplier from the site', () => {
    const slow = changedSite((v) => { v.bgp.bfd = { enabled: true, interval: '250ms', multiplier: 4 }; });
    expect(birdBfdView(slow, nodeOf(slow, 'l4-1'))?.bfd).toEqual({ intervalMs: 250, multiplier: 4 });
  });
});
