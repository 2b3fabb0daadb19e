// The desired IPVS table of an L4 node, as data. The planner makes it, the
// renderer prints it for `ipvsadm -R`, the applier diffs the kernel against
// it, the status compares its digests across L4 nodes.
import type { Family, IpAddress, MhFlag, Port, Token } from '../../site/index.js';

/** The weight of a healthy L7 node; the agent lowers it (0 = quiescent) from health. */
export const FULL_WEIGHT = 100;
/** The largest weight `ipvsadm` accepts (`-w 0..65535`). */
export const MAX_WEIGHT = 65535;

export interface IpvsDestination {
  /** The L7 node this real server is. */
  readonly node: Token;
  /** The L7 node's address of the VIP's family: IPIP for IPv4, ip6ip6 for IPv6. */
  readonly address: IpAddress;
  /** Always the service port: tunnel mode cannot remap ports. */
  readonly port: Port;
  readonly forwarding: 'tunnel';
  readonly weight: number;
}

export interface IpvsService {
  readonly service: Token;
  readonly protocol: 'tcp';
  readonly vip: IpAddress;
  readonly family: Family;
  readonly port: Port;
  readonly scheduler: 'mh';
  /** In kernel bit order (mh-fallback, then mh-port), as `ipvsadm -S` prints them. */
  readonly flags: readonly MhFlag[];
  /** In the order they must be added to the kernel: see order.ts. Never sorted. */
  readonly destinations: readonly IpvsDestination[];
}

export interface IpvsState {
  /** Services in file order, then VIPs in file order, then ports ascending. */
  readonly services: readonly IpvsService[];
}

/**
 * Service flag bits of the mh scheduler (net/netfilter/ipvs/ip_vs_mh.c):
 * IP_VS_SVC_F_SCHED_MH_FALLBACK = IP_VS_SVC_F_SCHED1 (0x0008) and
 * IP_VS_SVC_F_SCHED_MH_PORT = IP_VS_SVC_F_SCHED2 (0x0010), from
 * include/uapi/linux/ip_vs.h. The native netlink applier sends these.
 */
export const MH_FLAG_BITS: Readonly<Record<MhFlag, number>> = {
  'mh-fallback': 0x0008,
  'mh-port': 0x0010,
};

/** The IP_VS_SVC_F_* bits of a service's scheduler flags. */
export function flagBits(flags: readonly MhFlag[]): number {
  return flags.reduce((bits, f) => bits | MH_FLAG_BITS[f], 0);
}

/** Flags without repeats, in kernel bit order, so equal sets print equally. */
export function canonicalFlags(flags: readonly MhFlag[]): MhFlag[] {
  return [...new Set(flags)].sort((a, b) => MH_FLAG_BITS[a] - MH_FLAG_BITS[b]);
}

/** `host:port` as ipvsadm reads and prints it: IPv6 hosts in brackets. */
export function endpoint(address: IpAddress, port: Port): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
