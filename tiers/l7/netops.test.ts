import { describe, expect, it } from 'vitest';
import type { NetOp } from '../common/files.js';
import { loadSite } from '../../test/helpers/site.js';
import { l7NetOps } from './index.js';
import { changedSite, ipv6OnlySite, nodeOf } from './test-site.js';

const site = loadSite();
const ops = (s = site, name = 'l7-1'): NetOp[] => l7NetOps(s, nodeOf(s, name));
const sysctl = (list: NetOp[], key: string): string | undefined =>
  list.flatMap((o) => (o.kind === 'sysctl' && o.key === key ? [o.value] : []))[0];

describe('l7NetOps', () => {
  it('puts every IPv4 VIP of the node on lo as a /32', () => {
    expect(ops()).toContainEqual(expect.objectContaining({ kind: 'address', device: 'lo', address: '198.51.100.3', prefixLength: 32 }));
  });

  it('puts every IPv6 VIP of the node on lo as a /128', () => {
    expect(ops()).toContainEqual(expect.objectContaining({ kind: 'address', device: 'lo', address: '2001:db8::c633:6401', prefixLength: 128 }));
  });

  it('brings up both fallback tunnel devices when the node has VIPs of both families', () => {
    expect(ops().filter((o) => o.kind === 'up').map((o) => o.name)).toEqual(['tunl0', 'ip6tnl0']);
  });

  it('turns rp_filter off on all and on tunl0', () => {
    expect([sysctl(ops(), 'net.ipv4.conf.all.rp_filter'), sysctl(ops(), 'net.ipv4.conf.tunl0.rp_filter')]).toEqual(['0', '0']);
  });

  it('keeps the node from answering ARP for its VIPs', () => {
    expect([sysctl(ops(), 'net.ipv4.conf.all.arp_ignore'), sysctl(ops(), 'net.ipv4.conf.all.arp_announce')]).toEqual(['1', '2']);
  });

  it('leaves IPv4 tunnel and sysctls out on a node whose VIPs are all IPv6', () => {
    const list = ops(ipv6OnlySite());
    expect(list.some((o) => (o.kind === 'up' && o.name === 'tunl0') || o.kind === 'sysctl')).toBe(false);
  });

  it('does nothing on an l7 node that serves no service', () => {
    const none = changedSite((v) => { for (const s of v.services) { s.l7.nodes = ['l7-1']; s.l4.quorum = 1; } });
    expect(ops(none, 'l7-4')).toEqual([]);
  });
});
