// Turns a blueprint into a site value: nodes of every role with addresses
// of the site's families, BGP sessions, services over VIPs those nodes can
// carry, pools on the backends, zones on the DNS node. Coherent by
// construction, so what makes a generated site invalid is one of the
// blueprint's edge choices, not the builder's carelessness.
import type { PoolBlueprint, ServiceBlueprint, SiteBlueprint, ZoneBlueprint } from './site-blueprint.js';
import { SPECIAL_ADDRESSES, VIPS } from './values.js';

type Value = Record<string, unknown>;
type Node = { name: string; role: string; addresses: { ipv4?: string; ipv6?: string }; [k: string]: unknown };

const ROLES = [['router', 'rt'], ['reflector', 'rr'], ['l4', 'l4'], ['l7', 'l7'], ['backend', 'srv'], ['dns', 'dns']] as const;

export function buildSite(bp: SiteBlueprint): Value {
  const nodes = buildNodes(bp);
  const of = (role: string): Node[] => nodes.filter((n) => n.role === role);
  const zones = of('dns').length > 0 ? buildZones(bp.zones, of('dns')[0]) : [];
  const vips = VIPS.good.filter((v) => (bp.family === 'dual' ? true : bp.family === 'v6' ? v.includes(':') : !v.includes(':')));
  const shared = { check: undefined as Value | undefined, timeouts: undefined as Value | undefined };
  const services = bp.services.map((s, i) => buildService(bp, s, i, { vips, l7: of('l7'), pools: bp.pools.length, zones, shared }));
  applyNodeAgents(bp, nodes, services);
  // Keys left undefined are left out by the YAML writer, so the defaults apply.
  return {
    site: bp.name,
    agent: { listen: bp.listen, agentCheckPort: bp.agentCheckPort, runDir: bp.runDir, configDir: bp.configDir },
    l7: bp.monitorPort || bp.statsPort || bp.monitorPath ? { monitorPort: bp.monitorPort, statsPort: bp.statsPort, monitorPath: bp.monitorPath } : undefined,
    bgp: {
      asn: bp.asn, speaker: bp.speaker, holdTime: bp.hold, keepalive: keepaliveOf(bp), connectRetry: bp.connectRetry, drainTime: bp.drainTime,
      bfd: bp.bfd, communities: bp.communities,
    },
    services,
    pools: bp.pools.map((p, i) => buildPool(bp, p, i, of('backend'))),
    nodes,
    dns: zones.length > 0 ? { zones } : undefined,
  };
}

function buildNodes(bp: SiteBlueprint): Node[] {
  const counts: Record<string, number> = {
    router: bp.routers, reflector: bp.routers + bp.reflectors === 0 ? 1 : bp.reflectors, l4: bp.l4, l7: bp.l7, backend: bp.backends, dns: bp.dns,
  };
  const nodes: Node[] = ROLES.flatMap(([role, prefix], r) => Array.from({ length: counts[role] ?? 0 }, (_, i): Node => {
    const addresses = {
      ...(bp.family !== 'v6' ? { ipv4: `10.${r}.0.${i + 1}` } : {}),
      ...(bp.family !== 'v4' ? { ipv6: `fd00:${r}::${i + 1}` } : {}),
    };
    const bgp = role === 'router' || role === 'reflector' || role === 'l4';
    return { name: `${prefix}-${i + 1}`, role, addresses, ...(bgp && bp.family === 'v6' ? { routerId: `10.255.${r}.${i + 1}` } : {}) };
  }));
  const reflectors = nodes.filter((n) => n.role === 'reflector').map((n) => n.name);
  const routers = nodes.filter((n) => n.role === 'router').map((n) => n.name);
  const l4Peers = reflectors.length > 0 ? reflectors : routers;
  for (const n of nodes) {
    if (n.role === 'l4') n.peers = bp.share ? l4Peers : [...l4Peers];
    if (n.role === 'router' && reflectors.length > 0) n.peers = [...reflectors];
  }
  const firstL4 = nodes.find((n) => n.role === 'l4');
  if (firstL4 && bp.nodeAsn !== undefined) firstL4.asn = bp.nodeAsn;
  for (const edge of bp.addressEdges) {
    const node = nodes[edge.node % nodes.length];
    const before = nodes[(edge.node + nodes.length - 1) % nodes.length];
    if (!node || !before) continue;
    const special = SPECIAL_ADDRESSES[edge.pick] ?? '0.0.0.0';
    if (edge.kind === 'special') node.addresses = { ...node.addresses, [special.includes(':') ? 'ipv6' : 'ipv4']: special };
    if (edge.kind === 'copy') node.addresses = { ...before.addresses };
    if (edge.kind === 'none') node.addresses = {};
    if (edge.kind === 'v4-only') delete node.addresses.ipv6;
    if (edge.kind === 'v6-only') delete node.addresses.ipv4;
  }
  return nodes;
}

interface ServiceContext {
  readonly vips: readonly string[];
  readonly l7: readonly Node[];
  readonly pools: number;
  readonly zones: readonly Value[];
  readonly shared: { check: Value | undefined; timeouts: Value | undefined };
}

function buildService(bp: SiteBlueprint, s: ServiceBlueprint, i: number, ctx: ServiceContext): Value {
  const name = bp.names[i] ?? `svc${i}`;
  const vips = unique(s.vips.map((n) => ctx.vips[(i * 4 + n) % ctx.vips.length] ?? '198.51.100.1'));
  const l7Nodes = unique(s.l7Nodes.map((n) => ctx.l7[n % ctx.l7.length]?.name ?? 'l7-1'));
  const serving = l7Nodes.length > 0 ? l7Nodes.length : ctx.l7.length;
  const check = { path: s.check.path, expectStatus: s.check.expectStatus, interval: s.check.interval, timeout: timeoutOf(s.check.interval, s.check.timeout), rise: s.check.rise, fall: s.check.fall };
  ctx.shared.check ??= check;
  ctx.shared.timeouts ??= s.timeouts;
  const zoneNames = ctx.zones.map((z) => z.name as string);
  const dns = s.dns.flatMap((d, k) => {
    const zone = zoneNames[d.zone % Math.max(zoneNames.length, 1)];
    return zone === undefined ? [] : [{ name: d.apex ? zone : `svc${i}-${k}.${zone}`, ttl: d.ttl, policy: d.policy }];
  });
  return {
    name,
    vips: s.oddVip === undefined || !carried(bp, s.oddVip) ? vips : [...vips, s.oddVip],
    ports: unique(s.ports),
    pool: `pool-${s.pool % ctx.pools}`,
    l4: { flags: s.noFallback ? ['mh-port'] : s.mhPort ? ['mh-fallback', 'mh-port'] : ['mh-fallback'], quorum: s.quorum === 'one' ? 1 : s.quorum === 'all' ? serving : s.quorum, depoolThreshold: s.depoolThreshold },
    l7: {
      mode: s.mode,
      // uri needs mode http: that rule is the parser's, not worth a refused site in every fourth tcp service.
      balance: s.balance === 'uri' && s.mode === 'tcp' ? 'leastconn' : s.balance,
      check: bp.share ? ctx.shared.check : check,
      timeouts: bp.share ? ctx.shared.timeouts : s.timeouts,
      ...(l7Nodes.length > 0 ? { nodes: l7Nodes } : {}),
    },
    dns,
  };
}

function buildPool(bp: SiteBlueprint, p: PoolBlueprint, i: number, backends: readonly Node[]): Value {
  const seen = new Set<string>();
  const servers = p.servers.flatMap((s, k) => {
    const backend = backends[s.index % Math.max(backends.length, 1)];
    const family = bp.family === 'v6' || (bp.family === 'dual' && s.index % 2 === 1) ? 'ipv6' : 'ipv4';
    const own = family === 'ipv6' ? `fd00:50:${i}::${k + 1}` : `10.50.${i}.${k + 1}`;
    const onBackend = s.where === 'backend' && backend !== undefined;
    const address = s.where === 'special' ? SPECIAL_ADDRESSES[s.index % SPECIAL_ADDRESSES.length] : onBackend ? backend.addresses[family] ?? own : own;
    const key = `${address}:${s.port}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ name: `s${k}`, address, port: s.port, weight: s.weight, ...(onBackend && s.node ? { node: backend.name } : {}) }];
  });
  return { name: `pool-${i}`, agentCheck: p.agentCheck, servers };
}

function buildZones(zones: readonly ZoneBlueprint[], dnsNode: Node | undefined): Value[] {
  const names = new Set<string>();
  return zones.flatMap((z) => {
    if (names.has(z.name)) return [];
    names.add(z.name);
    const glue = dnsNode?.addresses.ipv4 ? { type: 'A', address: dnsNode.addresses.ipv4 } : { type: 'AAAA', address: dnsNode?.addresses.ipv6 };
    const records = z.records.map((r) => ({
      name: r.name, type: r.v6 ? 'AAAA' : 'A',
      address: r.special ? SPECIAL_ADDRESSES[r.name.length % SPECIAL_ADDRESSES.length] : r.v6 ? 'fd00:77::1' : '10.77.0.1',
    }));
    return [{
      name: z.name, ttl: z.ttl,
      soa: { mname: `ns1.${z.name}`, rname: `hostmaster.${z.name}`, serial: z.serial, refresh: z.refresh, minimum: z.minimum },
      ns: [z.ns === 'outside' ? 'ns.example.invalid' : `ns1.${z.name}`],
      records: z.ns === 'glued' ? [{ name: 'ns1', ...glue }, ...records] : records,
    }];
  });
}

function applyNodeAgents(bp: SiteBlueprint, nodes: Node[], services: readonly Value[]): void {
  for (const { node: index, agent } of bp.nodeAgents) {
    const node = nodes[index % nodes.length];
    if (!node) continue;
    const vip = (services[0]?.vips as string[] | undefined)?.[0];
    const own = node.addresses.ipv4 ?? node.addresses.ipv6;
    const address = agent.listenAddress === 'own' ? own : agent.listenAddress === 'vip' ? vip : agent.listenAddress;
    const listen = address !== undefined || agent.listenPort !== undefined ? { address: address ?? '127.0.0.1', port: agent.listenPort ?? 9400 } : undefined;
    node.agent = { listen, agentCheckPort: agent.agentCheckPort, runDir: agent.runDir, stateDir: agent.stateDir };
  }
}

/** Whether the site's nodes have the address family of `vip` (an invalid VIP is kept: the parser must refuse it). */
function carried(bp: SiteBlueprint, vip: string): boolean {
  const v6 = vip.includes(':');
  return bp.family === 'dual' || (bp.family === 'v6') === v6 || !/^[0-9a-f:.]+$/i.test(vip);
}

function keepaliveOf(bp: SiteBlueprint): string {
  if (bp.keepalive !== 'third') return bp.keepalive;
  const seconds = /^(\d+)s$/.exec(bp.hold)?.[1];
  return seconds === undefined ? '1s' : `${Math.max(1, Math.floor(Number(seconds) / 3))}s`;
}

/** Half the interval, the interval itself, or an edge value as drawn. */
function timeoutOf(interval: string, timeout: string): string {
  if (timeout === 'same') return interval;
  if (timeout !== 'half') return timeout;
  const m = /^(\d+)(ms|s|m)$/.exec(interval);
  if (!m) return '1s';
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60000);
  return `${Math.max(1, Math.floor(ms / 2))}ms`;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
