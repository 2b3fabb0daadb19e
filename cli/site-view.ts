// `tierlb status --site`: every node's status report folded into one view per
// VIP, from the routers' next hops down to the backends, and the promises
// the site makes that the reports show broken. Pure. A report is data from
// the network: whatever shape it has, a field that cannot be read makes its
// cell unknown, never an exception.
import type { StatusReport } from '../agent/observe/status.js';
import { toIp, type Service, type Site, type SiteNode } from '../site/index.js';
import { readPeerTables, type PeerTables, type TableView } from '../tiers/l4/agreement/index.js';
import { MH_TABLE_SIZE } from '../tiers/l4/maglev/index.js';
import { describeService } from '../tiers/l4/service-key.js';
import { agreementOf, type TableAgreementView } from './site-view-agreement.js';

/** A value read from a report, or why it could not be. */
export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

export type SiteReport = { readonly ok: true; readonly report: StatusReport } | { readonly ok: false; readonly why: string };

/** What one node's report says about one VIP, or why it cannot be told. */
export type Cell<T> = { readonly node: string } & ((T & { readonly known: true }) | { readonly known: false; readonly why: string });

export interface RouteFacts {
  /** The L4 node's name where the address is one of a node of the site, else the address. */
  readonly nextHops: readonly string[];
  readonly reason: string;
}

export type Announce = 'yes' | 'graceful-shutdown' | 'no';

export interface L4Facts {
  readonly announce: Announce;
  readonly reason: string;
  /** The digests of the VIP's Maglev tables, one per service port, or why they cannot be read. */
  readonly tables: { readonly known: true; readonly digests: readonly string[] } | { readonly known: false; readonly why: string };
}

/** A weight as the node holding it reports it: desired beside actual (kernel or HAProxy), and health. */
export interface WeightFacts {
  readonly desired: number | null;
  readonly actual: number | null;
  readonly health: string;
}

export interface DnsFacts {
  /** Whether gdnsd puts the VIP in the answers for the service's names. */
  readonly answered: boolean;
  readonly reason: string;
}

export interface VipView {
  readonly service: string;
  readonly vip: string;
  readonly dnsNames: readonly string[];
  /** Per router, in site order. */
  readonly routes: readonly Cell<RouteFacts>[];
  /** Per L4 node, in site order. */
  readonly l4: readonly Cell<L4Facts>[];
  readonly tables: TableAgreementView;
  /** Per L7 node of the service, its weight on each L4 node. */
  readonly weights: readonly { readonly l7: string; readonly cells: readonly Cell<WeightFacts>[] }[];
  /** Per server of the service's pool, its state on each L7 node of the service. */
  readonly backends: readonly { readonly server: string; readonly cells: readonly Cell<WeightFacts>[] }[];
  /** Per DNS node, empty when the service has no DNS name. */
  readonly dns: readonly Cell<DnsFacts>[];
}

export interface SiteView {
  readonly site: string;
  readonly vips: readonly VipView[];
  /** Nodes whose report could not be read or used, in site order. */
  readonly unreachable: readonly { readonly node: string; readonly why: string }[];
  /** Each broken promise as a sentence, in site order. */
  readonly broken: readonly string[];
}

/** A node's report once its outer shape is checked; its tables are rebuilt once, not once per VIP. */
type NodeRead = { readonly ok: true; readonly report: unknown; readonly tables: PeerTables | { readonly unknown: string } } | { readonly ok: false; readonly why: string };

export function siteView(site: Site, reports: ReadonlyMap<string, SiteReport>): SiteView {
  const nodes = new Map(site.nodes.map((n) => [n.name as string, readNode(n, reports.get(n.name))]));
  const names = addressBook(site);
  const vips = site.services.flatMap((service) => service.vips.map((vip) => vipView(site, service, vip, nodes, names)));
  const unreachable = site.nodes.flatMap((n) => {
    const r = nodes.get(n.name);
    return r && !r.ok ? [{ node: n.name, why: r.why }] : [];
  });
  return { site: site.name, vips, unreachable, broken: vips.flatMap(brokenPromises) };
}

function readNode(node: SiteNode, r: SiteReport | undefined): NodeRead {
  if (!r) return { ok: false, why: 'no report was gathered' };
  if (!r.ok) return { ok: false, why: r.why };
  const report: unknown = r.report;
  if (!Array.isArray(field(report, 'services'))) return { ok: false, why: 'its answer is not a status report (no services list)' };
  const name = field(report, 'node');
  if (name !== node.name) return { ok: false, why: `its endpoint answered as ${typeof name === 'string' ? `node ${JSON.stringify(name.slice(0, 64))}` : 'no node'}` };
  return { ok: true, report, tables: node.role === 'l4' ? readPeerTables(report) : new Map() };
}

function vipView(site: Site, service: Service, vip: string, nodes: ReadonlyMap<string, NodeRead>, names: ReadonlyMap<string, string>): VipView {
  const read = (role: SiteNode['role']): { node: string; read: NodeRead }[] =>
    site.nodes.filter((n) => n.role === role).map((n) => ({ node: n.name, read: nodes.get(n.name) ?? { ok: false, why: 'no report was gathered' } }));
  const keys = service.ports.map((port) => describeService({ protocol: service.protocol, vip, port }));
  const l4 = read('l4');
  const l4Tables = new Map(l4.map((n) => [n.node, tablesOf(n.read, service.name, keys)]));
  const l4Cells = l4.map((n) => cellOf(n.node, n.read, (r) => l4Facts(r, service.name, vip, l4Tables.get(n.node))));
  const l7 = read('l7').filter((n) => service.l7.nodes.includes(n.node as SiteNode['name']));
  const pool = site.pools.find((p) => p.name === service.pool);
  return {
    service: service.name, vip, dnsNames: service.dns.map((d) => d.name),
    routes: read('router').map((n) => cellOf(n.node, n.read, (r) => routeFacts(r, service.name, vip, names))),
    l4: l4Cells,
    tables: agreementOf(keys, l4Cells.map((c) => ({
      node: c.node,
      announces: c.known ? { ok: true, value: c.announce !== 'no' } : { ok: false, why: c.why },
      tables: l4Tables.get(c.node) ?? { ok: false, why: 'no tables read' },
    }))),
    weights: service.l7.nodes.map((name) => ({ l7: name, cells: l4.map((n) => cellOf(n.node, n.read, (r) => weightFacts(r, service.name, name))) })),
    backends: (pool?.servers ?? []).map((s) => ({ server: s.name, cells: l7.map((n) => cellOf(n.node, n.read, (r) => weightFacts(r, service.name, s.name))) })),
    dns: service.dns.length === 0 ? [] : read('dns').map((n) => cellOf(n.node, n.read, (r) => dnsFacts(r, service.name, vip))),
  };
}

function cellOf<T>(node: string, read: NodeRead, facts: (report: unknown) => Read<T>): Cell<T> {
  if (!read.ok) return { node, known: false, why: 'unreachable' };
  const r = facts(read.report);
  return r.ok ? { node, known: true, ...r.value } : { node, known: false, why: r.why };
}

function routeFacts(report: unknown, service: string, vip: string, names: ReadonlyMap<string, string>): Read<RouteFacts> {
  const v = readVip(report, service, vip);
  if (!v.ok) return v;
  const hops = field(v.value, 'nextHops');
  if (!Array.isArray(hops) || !hops.every((h) => typeof h === 'string')) return { ok: false, why: 'no next hops list in its report' };
  const nextHops = hops.map((h: string) => {
    const ip = toIp(h);
    return (ip.ok ? names.get(ip.value) : undefined) ?? h.slice(0, 64);
  });
  return { ok: true, value: { nextHops, reason: text(field(v.value, 'reason')) } };
}

const ANNOUNCES: readonly unknown[] = ['yes', 'graceful-shutdown', 'no'] satisfies Announce[];

function l4Facts(report: unknown, service: string, vip: string, tables: Read<readonly TableView[]> | undefined): Read<L4Facts> {
  const v = readVip(report, service, vip);
  if (!v.ok) return v;
  const announce = field(v.value, 'announce');
  if (!ANNOUNCES.includes(announce)) return { ok: false, why: 'no announce state in its report' };
  const t = tables ?? { ok: false, why: 'no tables read' };
  const digests = t.ok ? { known: true as const, digests: t.value.map((x) => x.digest) } : { known: false as const, why: t.why };
  return { ok: true, value: { announce: announce as Announce, reason: text(field(v.value, 'reason')), tables: digests } };
}

/** The node's tables of the VIP's keys, in port order; one missing makes them unknown, as a partial set cannot be compared. */
function tablesOf(read: NodeRead, service: string, keys: readonly string[]): Read<readonly TableView[]> {
  if (!read.ok) return { ok: false, why: 'unreachable' };
  if ('unknown' in read.tables) return { ok: false, why: read.tables.unknown };
  const tables = read.tables.get(service);
  if (tables === undefined) return { ok: false, why: `no service ${service} in its report` };
  if ('unknown' in tables) return { ok: false, why: tables.unknown };
  const views = keys.map((k) => tables.get(k));
  const missing = keys.find((_k, i) => views[i] === undefined);
  return missing === undefined ? { ok: true, value: views.filter((x): x is TableView => x !== undefined) } : { ok: false, why: `no table ${missing} in its report` };
}

function weightFacts(report: unknown, service: string, name: string): Read<WeightFacts> {
  const svc = readService(report, service);
  if (!svc.ok) return svc;
  const rs = list(field(svc.value, 'realServers')).find((r) => field(r, 'name') === name);
  if (rs === undefined) return { ok: false, why: `no ${name} in its report` };
  return { ok: true, value: { desired: weight(field(rs, 'desiredWeight')), actual: weight(field(rs, 'kernelWeight')), health: text(field(rs, 'health')) || 'no health in its report' } };
}

function dnsFacts(report: unknown, service: string, vip: string): Read<DnsFacts> {
  const v = readVip(report, service, vip);
  if (!v.ok) return v;
  const announce = field(v.value, 'announce');
  if (announce !== 'yes' && announce !== 'no') return { ok: false, why: 'no answer state in its report' };
  return { ok: true, value: { answered: announce === 'yes', reason: text(field(v.value, 'reason')) } };
}

function brokenPromises(v: VipView): string[] {
  const out: string[] = [];
  const routers = v.routes.filter((r) => r.known);
  if (routers.length > 0 && routers.every((r) => r.known && r.nextHops.length === 0)) {
    out.push(`${v.service} ${v.vip}: no next hop on any router read (${routers.map((r) => r.node).join(', ')})`);
  }
  if (v.tables.verdict === 'differ') {
    const groups = v.tables.groups.map((g) => `${g.nodes.join(', ')} (${g.digests.join(' ')})`).join(' vs ');
    const slots = v.tables.slots === undefined ? '' : `, up to ${v.tables.slots} of ${MH_TABLE_SIZE} slots differ`;
    out.push(`${v.service} ${v.vip}: the L4 nodes announcing it hold different Maglev tables: ${groups}${slots}`);
  }
  return out;
}

/** Every address of a node of the site → its name, so next hops read as L4 node names. */
function addressBook(site: Site): Map<string, string> {
  return new Map(site.nodes.flatMap((n) => [n.addresses.ipv4, n.addresses.ipv6].flatMap((a) => (a === undefined ? [] : [[a as string, n.name as string] as const]))));
}

const weight = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A string from the report, bounded: a line of the view, not a dump. */
const text = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 200) : '');

function readService(report: unknown, name: string): Read<unknown> {
  const svc = list(field(report, 'services')).find((s) => field(s, 'name') === name);
  return svc === undefined ? { ok: false, why: `no service ${name} in its report` } : { ok: true, value: svc };
}

function readVip(report: unknown, service: string, vip: string): Read<unknown> {
  const svc = readService(report, service);
  if (!svc.ok) return svc;
  const v = list(field(svc.value, 'vips')).find((x) => field(x, 'vip') === vip);
  return v === undefined ? { ok: false, why: `no VIP ${vip} in its report` } : { ok: true, value: v };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
