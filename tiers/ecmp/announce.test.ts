import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import type { IpAddress } from '../../site/index.js';
import { gobgpAnnounceArgs, gobgpGracefulShutdownArgs, gobgpWithdrawArgs, renderBirdVips } from './index.js';
import { birdSpeakerSite, changedSite, nodeOf } from './test-sites.js';

const site = loadSite();
const l4 = nodeOf(site, 'l4-1');
const v4 = '198.51.100.1' as IpAddress;
const v6 = '2001:db8::c633:6401' as IpAddress;

describe('gobgp announce arguments', () => {
  it('announce an IPv4 VIP as a /32 with the node address as next hop and the VIP communities', () => {
    expect(gobgpAnnounceArgs(site, l4, v4, { gracefulShutdown: false })).toEqual(
      ['global', 'rib', '-a', 'ipv4', 'add', '198.51.100.1/32', 'origin', 'igp', 'nexthop', '10.0.0.21', 'community', '64512:100']);
  });

  it('announce an IPv6 VIP as a /128 with the node IPv6 address as next hop', () => {
    expect(gobgpAnnounceArgs(site, l4, v6, { gracefulShutdown: false })).toEqual(
      ['global', 'rib', '-a', 'ipv6', 'add', '2001:db8::c633:6401/128', 'origin', 'igp', 'nexthop', 'fd00::21', 'community', '64512:100']);
  });

  it('add the graceful-shutdown community after the VIP communities', () => {
    expect(gobgpGracefulShutdownArgs(site, l4, v4)?.at(-1)).toBe('64512:100,65535:0');
  });

  it('leave the community out when the site has no VIP community and no shutdown is asked', () => {
    const bare = changedSite((v) => { v.bgp.communities.vip = []; });
    expect(gobgpAnnounceArgs(bare, nodeOf(bare, 'l4-1'), v4, { gracefulShutdown: false })).not.toContain('community');
  });

  it('are undefined when the node has no address of the VIP family', () => {
    // The parser refuses such an l4 node; the helper still must not invent a next hop.
    const v4only = { ...l4, addresses: { ipv4: l4.addresses.ipv4 } };
    expect(gobgpAnnounceArgs(site, v4only, v6, { gracefulShutdown: false })).toBeUndefined();
  });

  it('withdraw a VIP by its host prefix', () => {
    expect(gobgpWithdrawArgs(v6)).toEqual(['global', 'rib', '-a', 'ipv6', 'del', '2001:db8::c633:6401/128']);
  });
});

describe('renderBirdVips', () => {
  const bird = birdSpeakerSite();
  const node = nodeOf(bird, 'l4-1');

  it('renders the same bytes whatever the order of the VIPs given', () => {
    const a = renderBirdVips(bird, node, [v4, v6, '198.51.100.3' as IpAddress], { gracefulShutdown: false });
    const b = renderBirdVips(bird, node, ['198.51.100.3' as IpAddress, v6, v4, v4], { gracefulShutdown: false });
    expect(a).toBe(b);
  });

  it('routes each announced VIP to a blackhole in the static protocol of its family', () => {
    const text = renderBirdVips(bird, node, [v6], { gracefulShutdown: false });
    expect(text).toMatch(/protocol static vips_ipv6 \{\n {2}ipv6;\n {2}route 2001:db8::c633:6401\/128 blackhole;\n\}/);
  });

  it('switches the graceful-shutdown define on', () => {
    expect(renderBirdVips(bird, node, [], { gracefulShutdown: true })).toContain('define GRACEFUL_SHUTDOWN = true;');
  });

  it('refuses an address that is not a VIP of the site', () => {
    expect(() => renderBirdVips(bird, node, ['192.0.2.9' as IpAddress], { gracefulShutdown: false })).toThrow(/not a VIP/);
  });
});
