import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { nodeOf } from '../../tiers/ecmp/test-sites.js';
import { birdSessionState, reflectorStatusOf, routerStatusOf, staleStatus } from './bgp-status.js';

const site = loadSite();
const rt = nodeOf(site, 'rt-1');
const rr = nodeOf(site, 'rr-1');

describe('routerStatusOf', () => {
  const protocols = [
    { name: 'bgp_rr_1_ipv4', proto: 'BGP', state: 'up', info: 'Established' },
    { name: 'bgp_rr_2_ipv4', proto: 'BGP', state: 'start', info: 'Active  Socket: Connection refused' },
    { name: 'bgp_rr_2_ipv6', proto: 'BGP', state: 'down', info: '' },
  ];
  const routes = new Map([['198.51.100.1/32', ['10.0.0.21', '10.0.0.22']]]);

  it('shows each session of the site with BIRD state, and a session BIRD does not have', () => {
    const s = routerStatusOf(site, rt, protocols, routes);
    expect(s.sessions).toEqual([
      { peer: 'rr-1', address: '10.0.0.11', family: 'ipv4', state: 'established' },
      { peer: 'rr-1', address: 'fd00::11', family: 'ipv6', state: 'unknown', info: 'no protocol bgp_rr_1_ipv6 in the running BIRD' },
      { peer: 'rr-2', address: '10.0.0.12', family: 'ipv4', state: 'active', info: 'Socket: Connection refused' },
      { peer: 'rr-2', address: 'fd00::12', family: 'ipv6', state: 'down' },
    ]);
  });

  it('shows every VIP of every service with its next hops', () => {
    const web = routerStatusOf(site, rt, protocols, routes).services.find((x) => x.name === 'web');
    expect(web?.vips[0]).toEqual({ vip: '198.51.100.1', announce: 'n/a', reason: 'ECMP over 2 L4 node(s)', nextHops: ['10.0.0.21', '10.0.0.22'] });
    expect(web?.vips[1]).toEqual({ vip: '198.51.100.2', announce: 'n/a', reason: 'no route learned (ipv4)', nextHops: [] });
    expect(web?.vips).toHaveLength(4);
  });

  it('says BIRD is not answering rather than showing no routes', () => {
    const s = routerStatusOf(site, rt, undefined, undefined);
    expect(s.sessions?.every((x) => x.state === 'unknown' && x.info === 'BIRD is not answering')).toBe(true);
    expect(s.services[0]?.vips[0]?.reason).toBe('BIRD is not answering');
  });
});

describe('birdSessionState', () => {
  it('reads the BGP state from the info column', () => {
    expect(birdSessionState({ name: 'b', proto: 'BGP', state: 'start', info: 'Connect' })).toEqual({ state: 'connect' });
    expect(birdSessionState({ name: 'b', proto: 'BGP', state: 'start', info: '' })).toEqual({ state: 'start' });
    expect(birdSessionState({ name: 'b', proto: 'BGP', state: 'down', info: 'Received: Administrative shutdown' })).toEqual({ state: 'down', info: 'Received: Administrative shutdown' });
  });
});

describe('reflectorStatusOf', () => {
  it('matches neighbors to the site sessions by address and lists extra ones', () => {
    const s = reflectorStatusOf(site, rr, [
      { address: '10.0.0.1', description: 'rt-1', state: 'established', received: 0, accepted: 0 },
      { address: '10.0.0.21', description: 'l4-1', state: 'established', received: 2, accepted: 2 },
      { address: '10.0.0.99', description: 'old', state: 'active', received: 0, accepted: 0 },
    ]);
    expect(s.sessions?.find((x) => x.address === '10.0.0.21')).toEqual({ peer: 'l4-1', address: '10.0.0.21', family: 'ipv4', state: 'established', info: '2/2 routes accepted' });
    expect(s.sessions?.find((x) => x.address === '10.0.0.22')).toEqual({ peer: 'l4-2', address: '10.0.0.22', family: 'ipv4', state: 'unknown', info: 'not a neighbor of the running gobgpd' });
    expect(s.sessions?.at(-1)).toEqual({ peer: 'old', address: '10.0.0.99', family: 'ipv4', state: 'active', info: 'not in the site (reload pending?)' });
  });

  it('says gobgpd is not answering', () => {
    expect(reflectorStatusOf(site, rr, undefined).sessions?.[0]).toMatchObject({ state: 'unknown', info: 'gobgpd is not answering' });
  });
});

describe('staleStatus', () => {
  it('keeps the rows and drops what the old daemon said', () => {
    const s = staleStatus(routerStatusOf(site, rt, [{ name: 'bgp_rr_1_ipv4', proto: 'BGP', state: 'up', info: 'Established' }], new Map([['198.51.100.1/32', ['10.0.0.21']]])), 'bird restarted');
    expect(s.sessions?.[0]).toEqual({ peer: 'rr-1', address: '10.0.0.11', family: 'ipv4', state: 'unknown', info: 'bird restarted' });
    expect(s.services[0]?.vips[0]).toEqual({ vip: '198.51.100.1', announce: 'n/a', reason: 'bird restarted', nextHops: [] });
  });
});
