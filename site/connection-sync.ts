// The values of l4.connectionSync that the kernel's sync daemon takes: a
// device name and a multicast group. Only these constructors make them, so
// what reaches a netlink request was checked here.
import { expandIpv6, familyOf, toIp, type Brand, type Checked, type IpAddress } from './brand.js';

/** A network device name as the kernel accepts it (IFNAMSIZ: at most 15 bytes). */
export type InterfaceName = Brand<string, 'InterfaceName'>;
/** An IPv4 (224.0.0.0/4) or IPv6 (ff00::/8) multicast address. */
export type MulticastGroup = Brand<IpAddress, 'MulticastGroup'>;

// The kernel refuses '/', ':' and blanks and more than 15 bytes; this is
// stricter, so the name is safe in a log line and a shell command too.
const IFNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

export function toInterfaceName(s: string): Checked<InterfaceName> {
  return IFNAME_RE.test(s)
    ? { ok: true, value: s as InterfaceName }
    : { ok: false, reason: `expected a network device name of letters, digits, '.', '_' or '-' (1-15 characters, starting with a letter or digit), got ${JSON.stringify(s)}` };
}

export function isMulticast(a: IpAddress): boolean {
  return familyOf(a) === 'ipv4' ? Number(a.split('.')[0]) >> 4 === 0xe : ((expandIpv6(a)[0] ?? 0) >> 8) === 0xff;
}

export function toMulticastGroup(s: string): Checked<MulticastGroup> {
  const ip = toIp(s);
  if (!ip.ok) return ip;
  return isMulticast(ip.value)
    ? { ok: true, value: ip.value as MulticastGroup }
    : { ok: false, reason: `expected a multicast address (IPv4 224.0.0.0/4 or IPv6 ff00::/8), got ${JSON.stringify(s)}` };
}
