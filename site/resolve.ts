// Turns the checked schema output into the model: per-node settings merged
// over site defaults, BGP sessions named once, L7 serving lists and DNS
// zones resolved. Runs only on input that passed every check.
import type { Ipv4, Token } from './brand.js';
import type { EtcdPrefix } from './etcd.js';
import { zoneOf } from './crosscheck-dns.js';
import type { AgentSettings, BgpSession, DnsAnswer, Service, Site, SiteNode } from './model.js';
import type { ParsedSite } from './schema.js';

export function resolveSite(p: ParsedSite): Site {
  const agent: AgentSettings = p.agent;
  const nodes: SiteNode[] = p.nodes.map((n) => ({
    name: n.name,
    role: n.role,
    addresses: n.addresses,
    asn: n.asn ?? p.bgp.asn,
    ...(n.routerId ?? n.addresses.ipv4 ? { routerId: (n.routerId ?? n.addresses.ipv4) as Ipv4 } : {}),
    agent: { ...agent, ...stripUndefined(n.agent ?? {}) },
    ...(n.tunnelSources ? { tunnelSources: stripUndefined(n.tunnelSources) } : {}),
  }));
  const l7Names = p.nodes.filter((n) => n.role === 'l7').map((n) => n.name);
  const zones = p.dns.zones.map((z) => z.name as string);
  const services: Service[] = p.services.map((s) => ({
    ...s,
    protocol: 'tcp',
    l7: { ...s.l7, nodes: s.l7.nodes ? orderLike(s.l7.nodes, l7Names) : l7Names },
    dns: s.dns.map((d): DnsAnswer => ({ ...d, zone: zoneOf(d.name, zones) as DnsAnswer['zone'] })),
  }));
  const pools = p.pools.map((pool) => ({
    ...pool,
    agentCheck: { ...pool.agentCheck, port: pool.agentCheck.port ?? agent.agentCheckPort },
  }));
  return {
    name: p.site,
    agent,
    l7: p.l7,
    l4: p.l4,
    bgp: { ...p.bgp, sessions: sessionsOf(p.nodes) },
    services,
    pools,
    nodes,
    dns: p.dns,
    ...(p.etcd ? { etcd: { ...p.etcd, prefix: p.etcd.prefix ?? (`/tierlb/${p.site}` as EtcdPrefix) } } : {}),
  };
}

/** A service's own list keeps the site's Maglev order, whatever order it names them in. */
function orderLike(subset: readonly Token[], order: readonly Token[]): Token[] {
  const wanted = new Set<string>(subset);
  return order.filter((n) => wanted.has(n));
}

function sessionsOf(nodes: ParsedSite['nodes']): BgpSession[] {
  const seen = new Map<string, BgpSession>();
  for (const n of nodes) {
    for (const peer of n.peers ?? []) {
      const [a, b] = n.name < peer ? [n.name, peer] : [peer, n.name];
      seen.set(`${a} ${b}`, { a, b });
    }
  }
  return [...seen.values()].sort((x, y) => (x.a === y.a ? cmp(x.b, y.b) : cmp(x.a, y.a)));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
