// Address arithmetic the lab needs to derive its network from a site: which
// segment an address is on, and the same host part on another segment.
// Pure; addresses reaching here were validated by the site parser.

export type Family = 'ipv4' | 'ipv6';

const V4_BITS = 32n;
const V6_BITS = 128n;

export function familyOfText(address: string): Family {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

export function toBigInt(address: string): bigint {
  return familyOfText(address) === 'ipv4' ? v4ToBigInt(address) : v6ToBigInt(address);
}

export function fromBigInt(value: bigint, family: Family): string {
  return family === 'ipv4' ? v4FromBigInt(value) : v6FromBigInt(value);
}

/** `10.0.1.31`, 24 → `10.0.1.0/24`. */
export function prefixOf(address: string, length: number): string {
  const family = familyOfText(address);
  const bits = family === 'ipv4' ? V4_BITS : V6_BITS;
  const host = (1n << (bits - BigInt(length))) - 1n;
  return `${fromBigInt(toBigInt(address) & ~host & ((1n << bits) - 1n), family)}/${length}`;
}

/** The address with `address`'s host part on `prefix`'s network: (`10.0.0.1`, `10.0.1.0/24`) → `10.0.1.1`. */
export function sameHostOn(address: string, prefix: string): string {
  const [net, len] = splitPrefix(prefix);
  const family = familyOfText(net);
  const bits = family === 'ipv4' ? V4_BITS : V6_BITS;
  const host = (1n << (bits - BigInt(len))) - 1n;
  return fromBigInt((toBigInt(net) & ~host) | (toBigInt(address) & host), family);
}

/** The `index`th address of a prefix (0 is the network address). */
export function nthOf(prefix: string, index: number): string {
  const [net] = splitPrefix(prefix);
  return fromBigInt(toBigInt(net) + BigInt(index), familyOfText(net));
}

export function splitPrefix(prefix: string): [string, number] {
  const [net, len] = prefix.split('/');
  if (net === undefined || len === undefined) throw new Error(`expected ADDRESS/LENGTH, got ${JSON.stringify(prefix)}`);
  return [net, Number(len)];
}

function v4ToBigInt(a: string): bigint {
  const parts = a.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`expected an IPv4 address, got ${JSON.stringify(a)}`);
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function v4FromBigInt(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
}

function v6ToBigInt(a: string): bigint {
  let text = a;
  // An embedded IPv4 tail (2001:db8::203.0.113.1) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = v4ToBigInt(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`expected an IPv6 address, got ${JSON.stringify(a)}`);
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) throw new Error(`expected an IPv6 address, got ${JSON.stringify(a)}`);
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** RFC 5952 text: lower case, the longest run of zero groups (two or more) as `::`. */
function v6FromBigInt(v: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt((7 - i) * 16)) & 0xffffn));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}
