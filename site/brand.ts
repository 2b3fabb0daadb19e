// Branded values: strings and numbers the parser has checked. Only the
// constructors in this file make them, so a renderer that takes a `Token`
// cannot be handed an unchecked string from YAML.
import { isIPv4, isIPv6 } from 'node:net';

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A name safe in every rendered syntax: HAProxy, BIRD, TOML, gdnsd, shell. */
export type Token = Brand<string, 'Token'>;
export type Ipv4 = Brand<string, 'Ipv4'>;
export type Ipv6 = Brand<string, 'Ipv6'>;
export type IpAddress = Ipv4 | Ipv6;
export type Port = Brand<number, 'Port'>;
/** An absolute filesystem path with no characters a config syntax could split on. */
export type FsPath = Brand<string, 'FsPath'>;
/** An absolute HTTP path (no query, no spaces, no quotes). */
export type HttpPath = Brand<string, 'HttpPath'>;
/** A DNS name in presentation form, lowercase, without the trailing dot. */
export type DnsName = Brand<string, 'DnsName'>;
/** A BGP standard community `asn:value`. */
export type Community = Brand<string, 'Community'>;
export type Asn = Brand<number, 'Asn'>;

export type Family = 'ipv4' | 'ipv6';

/** Result of a brand constructor: the value or the reason it was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const refuse = <T>(reason: string): Checked<T> => ({ ok: false, reason });
const show = (s: string): string => JSON.stringify(s);

const TOKEN_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export function toToken(s: string): Checked<Token> {
  return TOKEN_RE.test(s)
    ? ok(s as Token)
    : refuse(`expected a name of letters, digits, '.', '_' or '-' (1-63 characters, starting with a letter or digit), got ${show(s)}`);
}

export function toIpv4(s: string): Checked<Ipv4> {
  return isIPv4(s) ? ok(s as Ipv4) : refuse(`expected an IPv4 address, got ${show(s)}`);
}

/** A BGP identifier (RFC 6286): any IPv4-shaped number but 0. */
export function toRouterId(s: string): Checked<Ipv4> {
  const r = toIpv4(s);
  return r.ok && r.value === '0.0.0.0' ? refuse('expected a router ID other than 0.0.0.0 (RFC 6286: a BGP identifier is non-zero)') : r;
}

export function toIpv6(s: string): Checked<Ipv6> {
  return isIPv6(s) && !s.includes('%')
    ? ok(canonicalIpv6(s) as Ipv6)
    : refuse(`expected an IPv6 address, got ${show(s)}`);
}

export function toIp(s: string): Checked<IpAddress> {
  if (isIPv4(s)) return ok(s as Ipv4);
  if (isIPv6(s) && !s.includes('%')) return ok(canonicalIpv6(s) as Ipv6);
  return refuse(`expected an IPv4 or IPv6 address, got ${show(s)}`);
}

export function familyOf(a: IpAddress): Family {
  return a.includes(':') ? 'ipv6' : 'ipv4';
}

export function toPort(n: number): Checked<Port> {
  return Number.isInteger(n) && n >= 1 && n <= 65535
    ? ok(n as Port)
    : refuse(`expected a port from 1 to 65535, got ${n}`);
}

export function toAsn(n: number): Checked<Asn> {
  return Number.isInteger(n) && n >= 1 && n <= 4294967294 && n !== 23456
    ? ok(n as Asn)
    : refuse(`expected an AS number from 1 to 4294967294 (not 23456), got ${n}`);
}

/**
 * Paths and URIs are printed into daemon configs, whose lines have limits
 * (HAProxy reads at most 2048 characters of a line); 1024 leaves room for
 * the directive around them.
 */
export const PATH_MAX_CHARS = 1024;

const FS_PATH_RE = /^\/[A-Za-z0-9_.\-/]*$/;
export function toFsPath(s: string): Checked<FsPath> {
  if (!FS_PATH_RE.test(s)) return refuse(`expected an absolute path of letters, digits, '_', '.', '-' and '/', got ${show(s)}`);
  if (s.split('/').includes('..')) return refuse(`expected a path without '..', got ${show(s)}`);
  if (s.length > PATH_MAX_CHARS) return refuse(`expected a path of at most ${PATH_MAX_CHARS} characters, got ${s.length}`);
  if (s.split('/').some((part) => part.length > 255)) return refuse('expected no part of the path longer than 255 characters (NAME_MAX)');
  return ok(s as FsPath);
}

/**
 * The folder of the daemons' Unix sockets: a socket path holds at most 107
 * bytes, and HAProxy takes at most 97 for its stats socket, which it names
 * `RUNDIR/haproxy.sock` and stages as `….sock.PID.tmp`.
 */
export const RUN_DIR_MAX_CHARS = 80;
export function toRunDir(s: string): Checked<FsPath> {
  const path = toFsPath(s);
  if (!path.ok || s.length <= RUN_DIR_MAX_CHARS) return path;
  return refuse(`expected at most ${RUN_DIR_MAX_CHARS} characters (the daemons' sockets live there, and a socket path is short), got ${s.length}`);
}

const HTTP_PATH_RE = /^\/[A-Za-z0-9_.\-/~]*$/;
export function toHttpPath(s: string): Checked<HttpPath> {
  if (!HTTP_PATH_RE.test(s)) return refuse(`expected an HTTP path starting with '/' of letters, digits, '_', '.', '-', '~' and '/', got ${show(s)}`);
  if (s.length > PATH_MAX_CHARS) return refuse(`expected an HTTP path of at most ${PATH_MAX_CHARS} characters, got ${s.length}`);
  return ok(s as HttpPath);
}

const DNS_LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
export function toDnsName(s: string): Checked<DnsName> {
  const name = s.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  if (name.length === 0 || name.length > 253 || !labels.every((l) => DNS_LABEL_RE.test(l))) {
    return refuse(`expected a DNS name of labels of letters, digits and '-', got ${show(s)}`);
  }
  return ok(name as DnsName);
}

const COMMUNITY_RE = /^(\d{1,5}):(\d{1,5})$/;
export function toCommunity(s: string): Checked<Community> {
  const m = COMMUNITY_RE.exec(s);
  if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) {
    return refuse(`expected a BGP community "ASN:VALUE" with both parts from 0 to 65535, got ${show(s)}`);
  }
  return ok(`${Number(m[1])}:${Number(m[2])}` as Community);
}

/** RFC 5952 text form, so that two spellings of one address compare equal. */
export function canonicalIpv6(s: string): string {
  const groups = expandIpv6(s);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The eight 16-bit groups of a valid IPv6 address (embedded IPv4 allowed). */
export function expandIpv6(s: string): number[] {
  let text = s.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const b = v4[1].split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
