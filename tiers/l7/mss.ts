// The MSS an L7 node's SYN-ACKs from VIPs may offer, per family: what keeps
// a user's full segment within the underlay MTU once an L4 node wrapped it
// (IPIP adds an IPv4 header, ip6ip6 an IPv6 one). Pure.
import type { Family, IpAddress, Site } from '../../site/index.js';
import { allVips, familyOf } from '../../site/index.js';

const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;

export interface MssClampPlan {
  /** 0: leave the family alone (clamping off). */
  readonly mss: Readonly<Record<Family, number>>;
  /** The VIPs whose SYN-ACKs are clamped, of each family. */
  readonly vips: Readonly<Record<Family, readonly IpAddress[]>>;
}

export function tunnelMss(underlayMtu: number, family: Family): number {
  return family === 'ipv4' ? underlayMtu - IPV4_HEADER - IPV4_HEADER - TCP_HEADER : underlayMtu - IPV6_HEADER - IPV6_HEADER - TCP_HEADER;
}

/** What the clamp holds on an L7 node: the VIPs of the services it serves, and each family's MSS (0 when the site turns clamping off). */
export function planMssClamp(site: Site, l7: string): MssClampPlan {
  const served = new Set(site.services.filter((s) => s.l7.nodes.includes(l7 as never)).flatMap((s) => s.vips as readonly string[]));
  const vips = allVips(site).filter((v) => served.has(v));
  const on = site.l7.mssClamp.enabled;
  return {
    mss: { ipv4: on ? tunnelMss(site.l7.underlayMtu, 'ipv4') : 0, ipv6: on ? tunnelMss(site.l7.underlayMtu, 'ipv6') : 0 },
    vips: { ipv4: vips.filter((v) => familyOf(v) === 'ipv4'), ipv6: vips.filter((v) => familyOf(v) === 'ipv6') },
  };
}
