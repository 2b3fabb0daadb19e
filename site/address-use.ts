// What an address may be used for. A VIP is an address users reach through
// the routers: a unicast address of global scope (private and documentation
// ranges included). A host address (a node's, a server's, a router ID) may
// also be loopback or link-local, but never an address that names no single
// host. Every kind refused here renders configs that every checker passes
// (`bind 0.0.0.0:80`, `-A -t 0.0.0.0:80`, a `0.0.0.0/32` route, `router id
// 0.0.0.0`) and then serves the wrong thing or nothing at all.
import { expandIpv6, toIp, toIpv4, toIpv6, type Checked, type IpAddress, type Ipv4, type Ipv6 } from './brand.js';

interface SpecialRange {
  readonly what: string;
  /** Still fine for a host: a node or a server on loopback, a link-local neighbour. */
  readonly host: boolean;
  readonly matches: (parts: readonly number[]) => boolean;
}

/** IPv4 ranges, by their octets (RFC 6890). */
const V4_SPECIAL: readonly SpecialRange[] = [
  { what: 'the unspecified address or "this network" (0.0.0.0/8)', host: false, matches: ([a]) => a === 0 },
  { what: 'a loopback address (127.0.0.0/8)', host: true, matches: ([a]) => a === 127 },
  { what: 'a link-local address (169.254.0.0/16)', host: true, matches: ([a, b]) => a === 169 && b === 254 },
  { what: 'a multicast address (224.0.0.0/4)', host: false, matches: ([a = 0]) => a >= 224 && a <= 239 },
  { what: 'the broadcast address (255.255.255.255)', host: false, matches: (o) => o.every((x) => x === 255) },
  { what: 'a reserved address (240.0.0.0/4)', host: false, matches: ([a = 0]) => a >= 240 },
];

/** IPv6 ranges, by their eight 16-bit groups (RFC 4291, RFC 6890). */
const V6_SPECIAL: readonly SpecialRange[] = [
  { what: 'the unspecified address (::)', host: false, matches: (g) => g.every((x) => x === 0) },
  { what: 'the loopback address (::1)', host: true, matches: (g) => g.slice(0, 7).every((x) => x === 0) && g[7] === 1 },
  // Written ::ffff:198.51.100.9 it reads like an IPv4 address, yet it is an
  // IPv6 socket address that never appears on the wire; as a VIP it would
  // also hide from the check that a VIP is no node's own address.
  { what: 'an IPv4-mapped IPv6 address (::ffff:0:0/96); write the IPv4 address itself', host: false, matches: (g) => g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff },
  { what: 'an IPv4-compatible IPv6 address (::/96, deprecated by RFC 4291)', host: false, matches: (g) => g.slice(0, 6).every((x) => x === 0) },
  { what: 'a link-local address (fe80::/10)', host: true, matches: ([a = 0]) => (a & 0xffc0) === 0xfe80 },
  { what: 'a multicast address (ff00::/8)', host: false, matches: ([a = 0]) => (a & 0xff00) === 0xff00 },
];

export type AddressUse = 'vip' | 'host';

/** Why `address` cannot serve as `use`, or undefined when it can. */
export function addressProblemOf(address: IpAddress, use: AddressUse): string | undefined {
  const v6 = address.includes(':');
  const parts = v6 ? expandIpv6(address) : address.split('.').map(Number);
  const range = (v6 ? V6_SPECIAL : V4_SPECIAL).find((r) => r.matches(parts));
  return range && !(use === 'host' && range.host) ? range.what : undefined;
}

function refuseSpecial<T extends IpAddress>(r: Checked<T>, s: string, use: AddressUse): Checked<T> {
  if (!r.ok) return r;
  const problem = addressProblemOf(r.value, use);
  if (problem === undefined) return r;
  const expected = use === 'vip' ? 'a unicast address users can reach (a VIP)' : 'the unicast address of one host';
  return { ok: false, reason: `expected ${expected}, got ${JSON.stringify(s)}: ${problem}` };
}

export const toVip = (s: string): Checked<IpAddress> => refuseSpecial(toIp(s), s, 'vip');
export const toHostIp = (s: string): Checked<IpAddress> => refuseSpecial(toIp(s), s, 'host');
export const toHostIpv4 = (s: string): Checked<Ipv4> => refuseSpecial(toIpv4(s), s, 'host');
export const toHostIpv6 = (s: string): Checked<Ipv6> => refuseSpecial(toIpv6(s), s, 'host');
