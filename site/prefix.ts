// A small block of addresses written as a prefix (`10.0.0.64/27`): the outer
// sources an L4 node spreads its tunnelled flows over. Small on purpose: the
// node holds every address of it, and the data-path program picks one per
// flow from a table of at most MAX_PREFIX_ADDRESSES.
import { canonicalIpv6, expandIpv6, toIpv4, toIpv6, type Brand, type Checked, type Family, type IpAddress } from './brand.js';
import { addressProblemOf } from './address-use.js';

/** `address/length`, the address canonical and its host bits zero. */
export type Prefix = Brand<string, 'Prefix'>;

export const MAX_PREFIX_ADDRESSES = 256;
const BITS: Readonly<Record<Family, number>> = { ipv4: 32, ipv6: 128 };
/** The shortest prefix of each family that holds at most MAX_PREFIX_ADDRESSES. */
const SHORTEST: Readonly<Record<Family, number>> = { ipv4: 24, ipv6: 120 };

export function toPrefix(family: Family) {
  return (s: string): Checked<Prefix> => {
    const [text = '', lengthText, extra] = s.split('/');
    const address = family === 'ipv4' ? toIpv4(text) : toIpv6(text);
    const length = Number(lengthText);
    const shortest = SHORTEST[family];
    if (!address.ok || extra !== undefined || !/^\d{1,3}$/.test(lengthText ?? '') || length > BITS[family]) {
      return { ok: false, reason: `expected an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} prefix such as ${family === 'ipv4' ? '10.0.0.64/27' : 'fd00::1:40/123'}, got ${JSON.stringify(s)}` };
    }
    if (length < shortest) return { ok: false, reason: `expected a prefix of /${shortest} or longer (at most ${MAX_PREFIX_ADDRESSES} addresses, each held by the node), got ${JSON.stringify(s)}` };
    const problem = addressProblemOf(address.value, 'host');
    if (problem !== undefined) return { ok: false, reason: `expected addresses of one host, got ${JSON.stringify(s)}: ${problem}` };
    const bytes = bytesOf(address.value);
    if (!bytes.every((b, i) => (b & ~maskByte(i, length)) === 0)) {
      return { ok: false, reason: `expected the host bits of ${JSON.stringify(s)} to be zero: write ${textOf(bytes.map((b, i) => b & maskByte(i, length)))}/${length}` };
    }
    return { ok: true, value: `${address.value}/${length}` as Prefix };
  };
}

/** Every address of the prefix, in order. */
export function prefixAddresses(prefix: Prefix): IpAddress[] {
  const [text = '', lengthText = ''] = prefix.split('/');
  const base = bytesOf(text as IpAddress);
  const count = 2 ** (base.length * 8 - Number(lengthText));
  const out: IpAddress[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = [...base];
    let carry = i;
    for (let b = bytes.length - 1; b >= 0 && carry > 0; b--) {
      const sum = (bytes[b] ?? 0) + (carry & 0xff);
      bytes[b] = sum & 0xff;
      carry = (carry >>> 8) + (sum >>> 8);
    }
    out.push(textOf(bytes));
  }
  return out;
}

/** Whether `address` lies in `prefix`. */
export function prefixHolds(prefix: Prefix, address: IpAddress): boolean {
  const [text = '', lengthText = ''] = prefix.split('/');
  const base = bytesOf(text as IpAddress);
  const a = bytesOf(address);
  const length = Number(lengthText);
  return a.length === base.length && a.every((b, i) => (b & maskByte(i, length)) === base[i]);
}

function maskByte(index: number, length: number): number {
  const bits = Math.max(0, Math.min(8, length - index * 8));
  return (0xff << (8 - bits)) & 0xff;
}

function bytesOf(address: IpAddress): number[] {
  if (!address.includes(':')) return address.split('.').map(Number);
  return expandIpv6(address).flatMap((g) => [g >> 8, g & 0xff]);
}

function textOf(bytes: readonly number[]): IpAddress {
  if (bytes.length === 4) return bytes.join('.') as IpAddress;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return canonicalIpv6(groups.join(':')) as IpAddress;
}
