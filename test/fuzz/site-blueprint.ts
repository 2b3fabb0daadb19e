// The arbitraries behind a generated site: a blueprint of choices (how many
// nodes of each role, which ports, which timers…) that site-build.ts turns
// into a coherent site value. Each choice is usually ordinary, often enough
// a boundary value the parser accepts (where daemons and parser may
// disagree), and rarely an invalid one; fast-check shrinks a failing site
// towards the ordinary choices.
import fc from 'fast-check';
import { ASNS, COMMUNITIES, DNS_NAMES, DURATIONS, FS_PATHS, HTTP_PATHS, NAMES, PORTS, SPECIAL_ADDRESSES, VIPS, type Kinds } from './values.js';

const GOOD = 60;
const BOUNDARY = 8;
const INVALID = 1;

/** Mostly `good`, sometimes `boundary`, rarely `invalid`; shrinks towards `good[0]`. */
export function pick<T>(k: Kinds<T>): fc.Arbitrary<T> {
  const parts = [
    { weight: GOOD, arbitrary: fc.constantFrom(...k.good) },
    ...(k.boundary.length > 0 ? [{ weight: BOUNDARY, arbitrary: fc.constantFrom(...k.boundary) }] : []),
    ...(k.invalid.length > 0 ? [{ weight: INVALID, arbitrary: fc.constantFrom(...k.invalid) }] : []),
  ];
  return fc.oneof(...parts);
}

const kinds = <T>(good: readonly T[], boundary: readonly T[], invalid: readonly T[] = []): Kinds<T> => ({ good, boundary, invalid });

/** A key that is usually left out (the default applies). */
const maybe = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> => fc.option(arb, { freq, nil: undefined });

/** A port usually one of `normal`, sometimes any other port, so that listeners clash. */
const portLike = (...normal: number[]): fc.Arbitrary<number> => pick({ good: normal, boundary: [...PORTS.good, ...PORTS.boundary], invalid: PORTS.invalid });
const duration = pick(DURATIONS);

const checkBp = fc.record({
  path: maybe(pick(kinds(['/healthz', '/'], HTTP_PATHS.boundary, HTTP_PATHS.invalid))),
  expectStatus: maybe(pick(kinds([200, 204], [100, 599], [600, 99]))),
  interval: pick(kinds(['1s', '2s', '5s'], DURATIONS.boundary, DURATIONS.invalid)),
  /** The timeout as a share of the interval, or a value of its own. */
  timeout: pick(kinds<string>(['half', 'same'], ['1ms'], ['24h', ...DURATIONS.invalid])),
  rise: maybe(pick(kinds([1, 2, 3], [100], [0, 101]))),
  fall: maybe(pick(kinds([1, 2, 3], [100], [0, 101]))),
});

export const serviceBp = fc.record({
  /** Offsets into the site's VIPs; each service takes its own stretch of them. */
  vips: fc.array(fc.nat(3), { minLength: 1, maxLength: 3 }),
  /** An extra VIP, usually none. */
  oddVip: pick(kinds<string | undefined>([undefined], VIPS.boundary, VIPS.invalid)),
  ports: fc.array(pick(PORTS), { minLength: 1, maxLength: 2 }),
  pool: fc.nat(3),
  mhPort: fc.boolean(),
  noFallback: pick(kinds([false], [], [true])),
  /** One node, every serving node, or a number kept as it is. */
  quorum: pick(kinds<'one' | 'all' | number>(['one'], ['all'], [0, 5, 1001])),
  mode: fc.constantFrom('http', 'tcp'),
  balance: maybe(pick(kinds(['roundrobin', 'leastconn', 'source', 'first', 'static-rr'], ['uri'], ['random']))),
  check: checkBp,
  timeouts: maybe(fc.record({ connect: maybe(duration), client: maybe(duration), server: maybe(duration) })),
  /** Which l7 nodes serve it (by index); empty: every one. */
  l7Nodes: fc.array(fc.nat(5), { maxLength: 3 }),
  dns: fc.array(fc.record({
    zone: fc.nat(3),
    apex: pick(kinds([false], [true])),
    ttl: maybe(pick(kinds([30, 60], [1, 86400], [0, 86401]))),
    policy: maybe(fc.constantFrom('multifo', 'first-up')),
  }), { maxLength: 2 }),
  depoolThreshold: maybe(pick(kinds([0.5], [0, 1, 0.001], [1.5, -0.1]))),
});

const serverBp = fc.record({
  /** On a backend node (by index), on an address of its own, or on a special address. */
  where: pick(kinds<'backend' | 'other' | 'special'>(['backend', 'other'], ['special'])),
  index: fc.nat(7),
  port: portLike(8080, 8081, 80, 443),
  weight: maybe(pick(kinds([100, 50], [0, 1, 256], [257, -1]))),
  node: fc.boolean(),
});

export const poolBp = fc.record({
  agentCheck: maybe(fc.record({
    enabled: maybe(fc.boolean()),
    port: maybe(portLike(9300, 9301)),
    interval: maybe(pick(kinds(['500ms', '1s', '2s'], DURATIONS.boundary, DURATIONS.invalid))),
  })),
  servers: fc.array(serverBp, { minLength: 1, maxLength: 3 }),
});

export const zoneBp = fc.record({
  name: pick(kinds(['example.org', 'example.net', 'example.com'], DNS_NAMES.boundary, DNS_NAMES.invalid)),
  ttl: maybe(pick(kinds([300, 3600], [1, 604800], [604801, 0]))),
  serial: maybe(pick(kinds([1, 2024010101], [4294967295], [0, 4294967296]))),
  refresh: maybe(pick(kinds([3600], [1, 2147483647], [0]))),
  minimum: maybe(pick(kinds([60], [0, 86400], [86401]))),
  /** The name server: in the zone with a record, in the zone without one, or elsewhere. */
  ns: pick(kinds<'glued' | 'unglued' | 'outside'>(['glued'], ['unglued', 'outside'])),
  records: fc.array(fc.record({
    name: pick(kinds(['www2', 'host', '@'], ['*', '*.a', 'ns1', 'A.B', 'x'.repeat(63)], ['a.*', '-a', 'x'.repeat(64)])),
    v6: fc.boolean(),
    special: pick(kinds([false], [true])),
  }), { maxLength: 2 }),
});

const nodeAgentBp = fc.record({
  listenPort: maybe(portLike(9400, 9401)),
  listenAddress: maybe(pick(kinds<string>(['127.0.0.1', 'own'], ['0.0.0.0', '::', '::1', 'vip', '127.0.0.9']))),
  agentCheckPort: maybe(portLike(9300, 9301)),
  runDir: maybe(pick(FS_PATHS)),
  stateDir: maybe(pick(FS_PATHS)),
});

/** One change that makes a node's addresses odd: a special address, another node's, none. */
const addressEdgeBp = fc.record({
  node: fc.nat(20),
  kind: fc.constantFrom('special', 'copy', 'none', 'v4-only', 'v6-only'),
  pick: fc.nat(SPECIAL_ADDRESSES.length - 1),
});

export const siteBp = fc.record({
  name: pick(NAMES),
  family: fc.constantFrom('dual', 'dual', 'v4', 'v6'),
  routers: fc.integer({ min: 0, max: 2 }),
  reflectors: fc.integer({ min: 0, max: 2 }),
  l4: fc.integer({ min: 1, max: 3 }),
  l7: fc.integer({ min: 1, max: 4 }),
  backends: fc.integer({ min: 0, max: 3 }),
  dns: pick(kinds([0, 1], [2])),
  speaker: fc.constantFrom('gobgp', 'bird'),
  asn: pick(ASNS),
  nodeAsn: maybe(pick(kinds([65001], ASNS.boundary, ASNS.invalid)), 8),
  hold: pick(kinds(['3s', '9s', '30s', '90s'], ['65535s', '3000ms'], ['0s', '2s', '3500ms', '65536s', '18h'])),
  keepalive: pick(kinds<string>(['third', '1s'], [], ['0s', '2s', '500ms', '1h'])),
  connectRetry: maybe(pick(kinds(['1s', '5s', '30s'], ['24h', '65535s', '65536s'], DURATIONS.invalid))),
  drainTime: maybe(pick(kinds(['0s', '5s', '1m'], DURATIONS.boundary, DURATIONS.invalid))),
  bfd: maybe(fc.record({
    enabled: maybe(fc.boolean()),
    interval: maybe(pick(kinds(['100ms', '300ms', '1s'], ['1ms', '1h', '3600000ms'], ['0ms', '2h', '24h']))),
    multiplier: maybe(pick(kinds([3, 5], [2, 255], [1, 256]))),
  })),
  communities: maybe(fc.record({
    gracefulShutdown: maybe(pick(kinds(['65535:0'], COMMUNITIES.boundary, COMMUNITIES.invalid))),
    vip: fc.uniqueArray(pick(COMMUNITIES), { maxLength: 2 }),
  })),
  listen: maybe(fc.record({ address: pick(kinds(['127.0.0.1'], ['0.0.0.0', '::', '::1', '127.0.0.9'])), port: portLike(9400, 9401) })),
  agentCheckPort: maybe(portLike(9300, 9301)),
  monitorPort: maybe(portLike(9100, 9102)),
  statsPort: maybe(portLike(9101, 9103)),
  monitorPath: maybe(pick(kinds(['/tierlb/health', '/mon/'], HTTP_PATHS.boundary, HTTP_PATHS.invalid))),
  runDir: maybe(pick(FS_PATHS)),
  configDir: maybe(pick(FS_PATHS)),
  services: fc.array(serviceBp, { minLength: 1, maxLength: 3 }),
  pools: fc.array(poolBp, { minLength: 1, maxLength: 2 }),
  zones: fc.array(zoneBp, { maxLength: 2 }),
  nodeAgents: fc.array(fc.record({ node: fc.nat(20), agent: nodeAgentBp }), { maxLength: 2 }),
  addressEdges: fc.oneof({ weight: 15, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(addressEdgeBp, { minLength: 1, maxLength: 1 }) }),
  /** Share equal objects between sections, which the YAML writer turns into anchors and aliases. */
  share: fc.boolean(),
  names: fc.uniqueArray(pick(NAMES), { minLength: 4, maxLength: 4 }),
});

export type SiteBlueprint = typeof siteBp extends fc.Arbitrary<infer T> ? T : never;
export type ServiceBlueprint = SiteBlueprint['services'][number];
export type PoolBlueprint = SiteBlueprint['pools'][number];
export type ZoneBlueprint = SiteBlueprint['zones'][number];
