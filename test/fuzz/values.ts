// The values the fuzzer draws from, in three kinds per field type: ordinary
// ones that make a site work; boundary ones the parser accepts but that sit
// at the edge of what a daemon takes (these find disagreements); invalid ones
// the parser must refuse with a line and a path. Plain arrays, so a mutation
// names a value by its index and fast-check shrinks it towards the first,
// most ordinary entries.

export interface Kinds<T> {
  readonly good: readonly T[];
  readonly boundary: readonly T[];
  readonly invalid: readonly T[];
}

export const VIPS: Kinds<string> = {
  good: ['198.51.100.1', '198.51.100.2', '203.0.113.5', '192.0.2.7', '100.64.0.1', '10.200.0.1', '8.8.4.4', '2001:db8::1', '2001:db8::198.51.100.1', 'fd00:99::1', '2a00:1450:4001::1', '2001:DB8:0::2'],
  boundary: ['1.0.0.0', '223.255.255.254', '100.127.255.255', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '64:ff9b::198.51.100.1', 'fec0::1', '2001:db8::'],
  invalid: ['0.0.0.0', '::', '255.255.255.255', '224.0.0.1', 'ff02::1', '127.0.0.1', 'fe80::1', '::ffff:198.51.100.9', '::ffff:10.0.1.31', '169.254.0.1', '240.0.0.1', '::1', '::198.51.100.9', '10.0.0.300', 'fe80::1%eth0', ''],
};

/** Valid IP addresses that are special: fine for some fields (a server on loopback), wrong for others. */
export const SPECIAL_ADDRESSES = ['0.0.0.0', '::', '255.255.255.255', '224.0.0.1', 'ff02::1', '127.0.0.1', 'fe80::1', '::ffff:198.51.100.9', '169.254.0.1', '240.0.0.1', '::1', '127.0.0.2'] as const;
export const BAD_ADDRESSES = ['10.0.0.300', '10.0.0', '010.0.0.1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '::g', ' 10.0.0.1', 'localhost', ''] as const;

export const PORTS: Kinds<number> = {
  good: [80, 443, 8080, 8081, 8443, 9100, 9101, 9300, 9400],
  /** Valid, but taken by something on some node (DNS, BGP, gobgpd's API) or at the ends of the range. */
  boundary: [1, 53, 179, 1023, 50051, 65535],
  invalid: [0, 65536, -1, 80.5],
};

export const DURATIONS: Kinds<string> = {
  good: ['100ms', '500ms', '1s', '2s', '3s', '9s', '30s', '1m'],
  boundary: ['1ms', '999ms', '1500ms', '59s', '18h', '24h', '65535s', '3600000ms'],
  /** 0 is a valid duration, but not for the many fields that must be above 0. */
  invalid: ['0s', '0ms', '25h', '3', '1.5s', '-1s', '3 s', '3S', '', '1d'],
};

export const NAMES: Kinds<string> = {
  good: ['web', 'api', 'shop', 'a', 'x.y', 'A-1', 'n0', 'svc'],
  boundary: ['a'.repeat(63), '0', 'a_b', 'WEB', 'a.b.c', 'rr_1', 'a--b', 'z.'],
  invalid: ['a'.repeat(64), '', '-a', 'a b', 'a"b', 'é', 'a\nb', 'web#x', '_all', '.a'],
};

export const DNS_NAMES: Kinds<string> = {
  good: ['example.org', 'example.net', 'www.example.org', 'api.example.org', 'ns1.example.org'],
  boundary: ['Example.ORG.', 'a.b.c.example.org', `${'a'.repeat(63)}.example.org`, 'sub.example.org', 'org', `${'a.'.repeat(120)}org`],
  invalid: ['-a.example.org', 'a..example.org', 'x'.repeat(254), 'a_b.org', '.', ''],
};

export const COMMUNITIES: Kinds<string> = { good: ['64512:100', '64512:200'], boundary: ['0:0', '65535:65535', '65535:0', '00001:02'], invalid: ['65536:1', 'a:b', '1:2:3', '1'] };
export const ASNS: Kinds<number> = { good: [64512, 65000], boundary: [1, 65535, 65536, 4200000000, 4294967294], invalid: [0, 23456, 4294967295, -1, 1.5] };
export const FS_PATHS: Kinds<string> = {
  good: ['/run/tierlb', '/var/lib/tierlb', '/etc/tierlb'],
  boundary: ['/', '/x', '/a/./b', '/a//b/', `/${'d'.repeat(3000)}`, '/-x', '/.hidden'],
  invalid: ['relative', '/a/../b', '/a b', '/a"b', ''],
};
export const HTTP_PATHS: Kinds<string> = {
  good: ['/', '/healthz', '/tierlb/health'],
  boundary: ['/tierlb/health/', '/~x', '//', '/_all', `/${'p'.repeat(3000)}`, '/a.b-c_d'],
  invalid: ['/a b', 'x', '/a?b', '/a#b', '/a"b', ''],
};

/** Numbers of every kind a YAML scalar can hold. */
export const NUMBERS = [0, 1, -1, 2, 3, 100, 255, 256, 257, 599, 600, 65535, 65536, 86400, 86401, 604800, 2147483647, 4294967295, 4294967296, 2 ** 53, 1.5, 1e300, Infinity, -Infinity, NaN] as const;

/** Any YAML value at all: the type confusions. */
export const ODD_VALUES: readonly unknown[] = [null, true, false, 'yes', 'null', '~', [], {}, [1], { a: 1 }, 'x'.repeat(5000), '#', '{', '*', '&a', '"', '\t', '\u0000'];

/** Every value of a kind, ordinary first. */
export const allOf = <T>(k: Kinds<T>): readonly T[] => [...k.good, ...k.boundary, ...k.invalid];
