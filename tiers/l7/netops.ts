// Kernel state of an L7 node. IPVS on the L4 nodes sends user packets here
// IPIP/ip6ip6-encapsulated, to the node's own address; the kernel's fallback
// tunnel devices decapsulate them, and the inner packet, addressed to a VIP,
// must be accepted locally and answered straight to the user.
import { familyOf, servicesOnL7, type IpAddress, type Site, type SiteNode } from '../../site/index.js';
import type { NetOp } from '../common/files.js';

/** The catch-all devices the ipip and ip6_tunnel modules create: they take packets of any remote. */
const TUNL_V4 = 'tunl0';
const TUNL_V6 = 'ip6tnl0';

function vipsOf(site: Site, node: SiteNode): IpAddress[] {
  return [...new Set(servicesOnL7(site, node.name).flatMap((s) => s.vips))];
}

function ipv4Sysctls(): NetOp[] {
  return [
    // The effective rp_filter of a device is the larger of `all` and its own,
    // so both must be 0: the inner packet's source is a user, who is not
    // routed via tunl0, and strict (1) or loose-without-route filtering drops it.
    { kind: 'sysctl', key: 'net.ipv4.conf.all.rp_filter', value: '0', why: 'decapsulated packets come from users not routed via tunl0' },
    { kind: 'sysctl', key: `net.ipv4.conf.${TUNL_V4}.rp_filter`, value: '0', why: 'the larger of all and the device wins, so tunl0 too' },
    { kind: 'sysctl', key: 'net.ipv4.conf.all.arp_ignore', value: '1', why: 'answer ARP only for addresses of the asking interface: VIPs on lo stay silent on the LAN' },
    { kind: 'sysctl', key: 'net.ipv4.conf.all.arp_announce', value: '2', why: 'never use a VIP as ARP source: neighbours must not learn the VIP at this node' },
  ];
}

function addressOps(vips: readonly IpAddress[]): NetOp[] {
  // Neighbour discovery answers only for addresses of the receiving interface,
  // so IPv6 VIPs on lo need no arp_* equivalent; lo does no DAD either.
  return vips.map((vip) => ({
    kind: 'address',
    device: 'lo',
    address: vip,
    prefixLength: familyOf(vip) === 'ipv6' ? 128 : 32,
    why: 'a local VIP: HAProxy binds it and the kernel accepts the decapsulated packets',
  }));
}

/** Empty for a node serving no service; IPv4 and IPv6 parts only for the families its VIPs use. */
export function l7NetOps(site: Site, node: SiteNode): NetOp[] {
  const vips = vipsOf(site, node);
  const hasV4 = vips.some((v) => familyOf(v) === 'ipv4');
  const hasV6 = vips.some((v) => familyOf(v) === 'ipv6');
  return [
    ...(hasV4 ? [{ kind: 'up', name: TUNL_V4 } as const] : []),
    ...(hasV6 ? [{ kind: 'up', name: TUNL_V6 } as const] : []),
    ...(hasV4 ? ipv4Sysctls() : []),
    ...addressOps(vips),
  ];
}
