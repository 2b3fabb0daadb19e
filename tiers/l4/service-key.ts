// Which IPVS service: protocol, VIP and port, as the kernel keys it. A TCP
// and a UDP service on the same VIP:port are two services, so every step
// from the diff to the kernel (ipvsadm -R text, netlink) carries the whole
// key, never a "vip:port" string to parse back. Pure.
import { kernelEndpoint } from './kernel.js';

/** The address-service protocols IPVS knows (include/uapi/linux/ip_vs.h: IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP). */
export type ServiceProtocol = 'tcp' | 'udp' | 'sctp';

export interface ServiceKey {
  readonly protocol: ServiceProtocol;
  readonly vip: string;
  readonly port: number;
}

/** The key alone, from anything that has one (a planned or a kernel service). */
export function keyOf(s: ServiceKey): ServiceKey {
  return { protocol: s.protocol, vip: s.vip, port: s.port };
}

export function sameService(a: ServiceKey, b: ServiceKey): boolean {
  return a.protocol === b.protocol && a.vip === b.vip && a.port === b.port;
}

/** `tcp 198.51.100.1:80`, `udp [2001:db8::1]:53`: for logs and status. One text per key, so also a map key. */
export function describeService(k: ServiceKey): string {
  return `${k.protocol} ${kernelEndpoint(k.vip, k.port)}`;
}
