// The lab's network, derived from a site: one namespace per node, one bridge
// per segment (nodes whose addresses share a /24 and a /64), routers as the
// gateways of every segment, and two lab-only namespaces: the internet, which
// links the routers to the users, and the users, with many client addresses
// on loopback. Pure: the same site gives the same topology, nothing is run.
import { allVips, type Role, type Site, type SiteNode } from '../site/index.js';
import { familyOfText, nthOf, prefixOf, sameHostOn, type Family } from './addr.js';

/** Lab conventions, not site facts: who the users are and how they reach the routers. */
export const USERS = { count: 200, ipv4: '203.0.113.0/24', ipv6: '2001:db8::cb00:7100/120' } as const;
const UPLINK = { ipv4: '192.0.2.0/24', ipv6: '2001:db8:ff::/64', internetHost: 254 } as const;
const USER_LINK = { ipv4: '198.18.0.0/30', ipv6: '2001:db8:fe::/64' } as const;
const SEGMENT_LENGTH = { ipv4: 24, ipv6: 64 } as const;
const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

export const SWITCH = 'sw';
export const INTERNET = 'internet';
export const USERS_NS = 'users';

export interface Segment {
  readonly bridge: string;
  readonly prefixes: Readonly<Record<Family, string>>;
  readonly nodes: readonly string[];
}
/** A veth from a namespace to a bridge in the switch namespace. */
export interface Port { readonly ns: string; readonly dev: string; readonly bridge: string; readonly switchDev: string }
/** A veth straight between two namespaces. */
export interface Pair { readonly a: { readonly ns: string; readonly dev: string }; readonly b: { readonly ns: string; readonly dev: string } }
export interface AddressSpec { readonly ns: string; readonly dev: string; readonly cidr: string }
export interface RouteSpec { readonly ns: string; readonly to: string; readonly via: readonly string[]; readonly dev: string }
export interface SysctlSpec { readonly ns: string; readonly key: string; readonly value: string; readonly why: string }
export interface LabNode {
  readonly name: string;
  readonly role: Role;
  readonly ns: string;
  readonly addresses: Readonly<Record<Family, string>>;
  /** Ports a backend's lab HTTP server listens on (every address of the node). */
  readonly httpPorts: readonly number[];
  /**
   * The agent's folders, the site's with the node's name appended: the nodes
   * share one process table, and an agent recognises a daemon a previous agent
   * of its node left running by its command line (config file, socket), so
   * two nodes' daemons must not have the same one.
   */
  readonly paths: { readonly runDir: string; readonly stateDir: string; readonly configDir: string };
}
/** An etcd member the lab runs for the site's `etcd:` endpoints: a namespace of its own on a segment of the site. */
export interface LabEtcdMember {
  readonly name: string;
  readonly ns: string;
  readonly addresses: Readonly<Record<Family, string>>;
  readonly clientUrl: string;
  readonly peerUrl: string;
}

/** What a segment holds: a node of the site, or an etcd member. */
type Host = Pick<LabNode, 'name' | 'ns' | 'addresses'> & { readonly role: Role | 'etcd' };

export interface LabTopology {
  /** Every namespace, switch first; a node's namespace is named after the node (the script may prefix them all). */
  readonly namespaces: readonly string[];
  readonly segments: readonly Segment[];
  readonly ports: readonly Port[];
  readonly pairs: readonly Pair[];
  readonly addresses: readonly AddressSpec[];
  readonly routes: readonly RouteSpec[];
  readonly sysctls: readonly SysctlSpec[];
  readonly nodes: readonly LabNode[];
  readonly etcd: readonly LabEtcdMember[];
  readonly clients: Readonly<Record<Family, readonly string[]>>;
  readonly vips: readonly string[];
}

export class LabTopologyError extends Error {}

export function labTopology(site: Site): LabTopology {
  const problems: string[] = [];
  const nodes = site.nodes.map((n) => labNode(site, n, problems));
  const routers = nodes.filter((n) => n.role === 'router');
  if (routers.length === 0) problems.push('the lab needs at least one node with role router: routers are the gateways of every segment');
  const etcd = etcdMembersOf(site, nodes, problems);
  const hosts: Host[] = [...nodes, ...etcd.map((m) => ({ ...m, role: 'etcd' as const }))];
  const segments = segmentsOf(hosts);
  const gateways = gatewaysOf(segments, routers, hosts, problems);
  if (problems.length > 0) throw new LabTopologyError(`lab/site: ${problems.join('; ')}`);

  const b = new Builder();
  b.namespaces.push(SWITCH, ...hosts.map((n) => n.ns), INTERNET, USERS_NS);
  segments.forEach((seg) => attachNodes(b, seg, hosts, routers, gateways));
  attachUplink(b, routers);
  attachUsers(b);
  routeNodes(b, hosts, segments, gateways);
  routeEdge(b, site, routers, segments);
  for (const ns of [...routers.map((r) => r.ns), INTERNET]) forwarding(b, ns);
  const clients = { ipv4: clientsOf('ipv4'), ipv6: clientsOf('ipv6') };
  for (const f of FAMILIES) for (const c of clients[f]) b.addresses.push({ ns: USERS_NS, dev: 'lo', cidr: `${c}/${f === 'ipv4' ? 32 : 128}` });
  return { ...b.result(), segments, nodes, etcd, clients, vips: allVips(site) };
}

export const ETCD_PEER_PORT = 2380;

/**
 * One member per endpoint of the site's etcd section, on the endpoint's
 * IPv4 address, which must lie on a segment of the site's nodes (the users
 * and every node reach it through the routers); its IPv6 address is the same
 * host number on the segment's /64.
 */
function etcdMembersOf(site: Site, nodes: readonly LabNode[], problems: string[]): LabEtcdMember[] {
  const segments = new Map(nodes.map((n) => [prefixOf(n.addresses.ipv4, SEGMENT_LENGTH.ipv4), prefixOf(n.addresses.ipv6, SEGMENT_LENGTH.ipv6)]));
  return (site.etcd?.endpoints ?? []).flatMap((url, i) => {
    const m = /^http:\/\/(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(url);
    const v6prefix = m?.[1] !== undefined ? segments.get(prefixOf(m[1], SEGMENT_LENGTH.ipv4)) : undefined;
    if (!m?.[1] || v6prefix === undefined) {
      problems.push(`etcd endpoint ${url}: the lab runs a member only at http://IPV4:PORT on the /24 of a node of the site`);
      return [];
    }
    const ipv4 = m[1];
    const host = Number(ipv4.split('.')[3]);
    const name = `etcd-${i + 1}`;
    return [{ name, ns: name, addresses: { ipv4, ipv6: nthOf(v6prefix, host) }, clientUrl: url, peerUrl: `http://${ipv4}:${ETCD_PEER_PORT}` }];
  });
}

export function clientsOf(family: Family): string[] {
  return Array.from({ length: USERS.count }, (_, i) => nthOf(USERS[family], i + 1));
}

class Builder {
  readonly namespaces: string[] = [];
  readonly ports: Port[] = [];
  readonly pairs: Pair[] = [];
  readonly addresses: AddressSpec[] = [];
  readonly routes: RouteSpec[] = [];
  readonly sysctls: SysctlSpec[] = [];
  private next = 0;
  switchDev(): string {
    return `p${this.next++}`;
  }
  result() {
    return { namespaces: this.namespaces, ports: this.ports, pairs: this.pairs, addresses: this.addresses, routes: this.routes, sysctls: this.sysctls };
  }
}

function labNode(site: Site, node: SiteNode, problems: string[]): LabNode {
  const { ipv4, ipv6 } = node.addresses;
  if (!ipv4 || !ipv6) problems.push(`node ${node.name}: the lab runs IPv4 and IPv6 everywhere, so it needs both addresses`);
  const httpPorts = site.pools.flatMap((p) => p.servers)
    .filter((s) => s.node === node.name || s.address === ipv4 || s.address === ipv6)
    .map((s) => Number(s.port));
  for (const s of site.pools.flatMap((p) => p.servers)) {
    if (s.node === node.name && s.address !== ipv4 && s.address !== ipv6) {
      problems.push(`server ${s.name}: address ${s.address} is not an address of its node ${node.name}; the lab serves it only on the node's own addresses`);
    }
  }
  return {
    name: node.name, role: node.role, ns: node.name,
    addresses: { ipv4: ipv4 ?? '0.0.0.0', ipv6: ipv6 ?? '::' },
    httpPorts: [...new Set(httpPorts)].sort((a, b) => a - b),
    paths: labPaths(node),
  };
}

export function labPaths(node: SiteNode): LabNode['paths'] {
  const under = (dir: string): string => `${dir.replace(/\/+$/, '')}/${node.name}`;
  return { runDir: under(node.agent.runDir), stateDir: under(node.agent.stateDir), configDir: under(node.agent.configDir) };
}

function segmentsOf(nodes: readonly Host[]): Segment[] {
  const byKey = new Map<string, { prefixes: Record<Family, string>; nodes: string[] }>();
  for (const n of nodes) {
    const prefixes = { ipv4: prefixOf(n.addresses.ipv4, SEGMENT_LENGTH.ipv4), ipv6: prefixOf(n.addresses.ipv6, SEGMENT_LENGTH.ipv6) };
    const key = `${prefixes.ipv4} ${prefixes.ipv6}`;
    const seg = byKey.get(key) ?? { prefixes, nodes: [] };
    seg.nodes.push(n.name);
    byKey.set(key, seg);
  }
  return [...byKey.values()].map((s, i) => ({ bridge: `seg${i}`, ...s }));
}

/** Per segment and family, the routers' addresses on it: their own, or their host part on the segment's prefix. */
function gatewaysOf(segments: readonly Segment[], routers: readonly LabNode[], nodes: readonly Host[], problems: string[]): Map<string, Record<Family, string[]>> {
  const taken = new Set(nodes.flatMap((n) => FAMILIES.map((f) => n.addresses[f])));
  const out = new Map<string, Record<Family, string[]>>();
  for (const seg of segments) {
    const gw: Record<Family, string[]> = { ipv4: [], ipv6: [] };
    for (const r of routers) {
      for (const f of FAMILIES) {
        if (seg.nodes.includes(r.name)) { gw[f].push(r.addresses[f]); continue; }
        const a = sameHostOn(r.addresses[f], seg.prefixes[f]);
        if (taken.has(a)) problems.push(`router ${r.name} would be ${a} on ${seg.prefixes[f]}, which a node of the site already has`);
        gw[f].push(a);
      }
    }
    out.set(seg.bridge, gw);
  }
  if (new Set(segments.map((s) => s.prefixes.ipv4)).size !== segments.length || new Set(segments.map((s) => s.prefixes.ipv6)).size !== segments.length) {
    problems.push(`nodes on one IPv4 /24 must share one IPv6 /64 and the other way round; segments found: ${segments.map((s) => `${s.prefixes.ipv4}+${s.prefixes.ipv6}`).join(', ')}`);
  }
  return out;
}

function attachNodes(b: Builder, seg: Segment, nodes: readonly Host[], routers: readonly LabNode[], gateways: Map<string, Record<Family, string[]>>): void {
  for (const name of seg.nodes) {
    const n = nodes.find((x) => x.name === name);
    if (!n) continue;
    b.ports.push({ ns: n.ns, dev: 'eth0', bridge: seg.bridge, switchDev: b.switchDev() });
    for (const f of FAMILIES) b.addresses.push({ ns: n.ns, dev: 'eth0', cidr: `${n.addresses[f]}/${SEGMENT_LENGTH[f]}` });
  }
  const gw = gateways.get(seg.bridge);
  routers.forEach((r, i) => {
    if (seg.nodes.includes(r.name) || !gw) return;
    const dev = seg.bridge;
    b.ports.push({ ns: r.ns, dev, bridge: seg.bridge, switchDev: b.switchDev() });
    for (const f of FAMILIES) b.addresses.push({ ns: r.ns, dev, cidr: `${gw[f][i]}/${SEGMENT_LENGTH[f]}` });
  });
}

function uplinkAddress(f: Family, host: number): string {
  return nthOf(UPLINK[f], host);
}

function attachUplink(b: Builder, routers: readonly LabNode[]): void {
  b.ports.push({ ns: INTERNET, dev: 'uplink', bridge: 'uplink', switchDev: b.switchDev() });
  for (const f of FAMILIES) b.addresses.push({ ns: INTERNET, dev: 'uplink', cidr: `${uplinkAddress(f, UPLINK.internetHost)}/${SEGMENT_LENGTH[f]}` });
  routers.forEach((r, i) => {
    b.ports.push({ ns: r.ns, dev: 'uplink', bridge: 'uplink', switchDev: b.switchDev() });
    for (const f of FAMILIES) b.addresses.push({ ns: r.ns, dev: 'uplink', cidr: `${uplinkAddress(f, i + 1)}/${SEGMENT_LENGTH[f]}` });
  });
}

function attachUsers(b: Builder): void {
  b.pairs.push({ a: { ns: INTERNET, dev: 'users' }, b: { ns: USERS_NS, dev: 'eth0' } });
  // In one kernel a packet keeps its socket's flow hash across the veths, and the
  // internet's and routers' ECMP use that hash (skb->l4_hash) instead of hashing
  // the headers. A client's TCP socket picks a new hash after a timeout or a
  // spurious retransmission, which in the busy lab kernel moved some 90 of 200
  // flows between L4 nodes in a scenario with no route change. A real router
  // hashes an IPv4 flow's headers, which a rehash does not change.
  b.sysctls.push({ ns: USERS_NS, key: 'net.core.txrehash', value: '0', why: 'keep each flow on one ECMP path, as real routers would hash it' });
  for (const f of FAMILIES) {
    const len = f === 'ipv4' ? 30 : 64;
    b.addresses.push({ ns: INTERNET, dev: 'users', cidr: `${nthOf(USER_LINK[f], 1)}/${len}` });
    b.addresses.push({ ns: USERS_NS, dev: 'eth0', cidr: `${nthOf(USER_LINK[f], 2)}/${len}` });
    b.routes.push({ ns: USERS_NS, to: f === 'ipv4' ? '0.0.0.0/0' : '::/0', via: [nthOf(USER_LINK[f], 1)], dev: 'eth0' });
    b.routes.push({ ns: INTERNET, to: USERS[f], via: [nthOf(USER_LINK[f], 2)], dev: 'users' });
  }
}

/** Every node but the routers sends everything not on its segment to the routers. */
function routeNodes(b: Builder, nodes: readonly Host[], segments: readonly Segment[], gateways: Map<string, Record<Family, string[]>>): void {
  for (const seg of segments) {
    const gw = gateways.get(seg.bridge);
    if (!gw) continue;
    for (const name of seg.nodes) {
      const n = nodes.find((x) => x.name === name);
      if (!n || n.role === 'router') continue;
      for (const f of FAMILIES) b.routes.push({ ns: n.ns, to: f === 'ipv4' ? '0.0.0.0/0' : '::/0', via: gw[f], dev: 'eth0' });
    }
  }
}

/** Routers reach the users through the internet; the internet reaches the VIPs and segments through every router. */
function routeEdge(b: Builder, site: Site, routers: readonly LabNode[], segments: readonly Segment[]): void {
  for (const f of FAMILIES) {
    const inet = uplinkAddress(f, UPLINK.internetHost);
    for (const r of routers) {
      b.routes.push({ ns: r.ns, to: USERS[f], via: [inet], dev: 'uplink' });
      b.routes.push({ ns: r.ns, to: USER_LINK[f], via: [inet], dev: 'uplink' });
    }
    const viaRouters = routers.map((_, i) => uplinkAddress(f, i + 1));
    const vips = allVips(site).filter((v) => familyOfText(v) === f).map((v) => `${v}/${f === 'ipv4' ? 32 : 128}`);
    for (const to of [...vips, ...segments.map((s) => s.prefixes[f])]) b.routes.push({ ns: INTERNET, to, via: viaRouters, dev: 'uplink' });
  }
}

function forwarding(b: Builder, ns: string): void {
  const why = 'forwards between the users and the site segments';
  b.sysctls.push({ ns, key: 'net.ipv4.ip_forward', value: '1', why });
  b.sysctls.push({ ns, key: 'net.ipv6.conf.all.forwarding', value: '1', why });
  // Replies of the L7 nodes come straight from the VIPs (direct server return),
  // on another path than the requests went.
  b.sysctls.push({ ns, key: 'net.ipv4.conf.all.rp_filter', value: '0', why: 'direct server return: replies come from the VIPs on another path than requests' });
  b.sysctls.push({ ns, key: 'net.ipv4.conf.default.rp_filter', value: '0', why: 'direct server return, for links added later' });
  b.sysctls.push({ ns, key: 'net.ipv4.fib_multipath_hash_policy', value: '1', why: 'flows spread over the routers by ports too' });
  b.sysctls.push({ ns, key: 'net.ipv6.fib_multipath_hash_policy', value: '1', why: 'flows spread over the routers by ports too' });
}
