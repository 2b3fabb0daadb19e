// Edits of a site file's text, as an operator makes them to a running site:
// a VIP added or removed, a service added, an L7 node declared, appended to
// or removed from the services, BGP timers and communities, the agent-check
// port. Each returns the whole new text, which must still validate; the rest
// of the site is kept (comments too; flow collections may be re-spaced, which
// changes no value). Pure.
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { formatIssue, parseSiteText, type Site } from '../../site/index.js';
import { familyOfText, fromBigInt, toBigInt, type Family } from '../addr.js';

/** `change` applied to the site text's document; the result must still validate, or `what` says why not. */
export function editSite(text: string, what: string, change: (doc: Document) => void): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${what}: the site text does not parse: ${doc.errors[0]?.message ?? ''}`);
  change(doc);
  const out = doc.toString({ lineWidth: 0 });
  const parsed = parseSiteText(out);
  if (!parsed.ok) throw new Error(`${what}: expected a valid site, got: ${parsed.issues.map((i) => formatIssue(i)).join('; ')}`);
  return out;
}

function seqAt(doc: Document, path: readonly (string | number)[], what: string): YAMLSeq {
  const s = doc.getIn(path);
  if (!isSeq(s)) throw new Error(`${what}: expected a list at ${path.join('.')}`);
  return s;
}

function serviceIndex(doc: Document, name: string, what: string): number {
  const i = seqAt(doc, ['services'], what).items.findIndex((s) => isMap(s) && s.get('name') === name);
  if (i < 0) throw new Error(`${what}: expected a service named ${name}`);
  return i;
}

const scalarIs = (value: string) => (x: unknown): boolean => isScalar(x) && String(x.value) === value;

/** `vip` appended to the VIPs of `service`. */
export function withVip(text: string, service: string, vip: string): string {
  const what = `add VIP ${vip} to ${service}`;
  return editSite(text, what, (doc) => { seqAt(doc, ['services', serviceIndex(doc, service, what), 'vips'], what).add(vip); });
}

/** `vip` out of every service that lists it (a service left without VIPs is refused by the parser). */
export function withoutVip(text: string, vip: string): string {
  const what = `remove VIP ${vip}`;
  return editSite(text, what, (doc) => {
    let found = false;
    for (const s of seqAt(doc, ['services'], what).items) {
      const vips = isMap(s) ? s.get('vips') : undefined;
      const i = isSeq(vips) ? vips.items.findIndex(scalarIs(vip)) : -1;
      if (isSeq(vips) && i >= 0) { vips.delete(i); found = true; }
    }
    if (!found) throw new Error(`${what}: no service lists it`);
  });
}

export interface NewService { readonly name: string; readonly like: string; readonly vips: readonly string[]; readonly ports: readonly number[] }

/**
 * A service appended: a copy of the service `like` (pool, L4 and L7 settings,
 * L7 nodes) with its own name, VIPs and ports, and no DNS names (a name
 * belongs to one service).
 */
export function withService(text: string, s: NewService): string {
  const what = `add service ${s.name}`;
  return editSite(text, what, (doc) => {
    const services = seqAt(doc, ['services'], what);
    const like = services.items[serviceIndex(doc, s.like, what)] as YAMLMap;
    const copy = like.clone() as YAMLMap;
    copy.set('name', s.name);
    copy.set('vips', doc.createNode([...s.vips], { flow: true }));
    copy.set('ports', doc.createNode([...s.ports], { flow: true }));
    copy.delete('dns');
    services.add(copy);
  });
}

/** Every service's `l7.nodes` made explicit (the default is every L7 node), so a node declared later serves nothing until listed. */
export function withExplicitL7Nodes(text: string, site: Site): string {
  const what = 'list every service\'s L7 nodes';
  return editSite(text, what, (doc) => {
    site.services.forEach((svc, i) => {
      if (doc.getIn(['services', i, 'l7', 'nodes']) === undefined) doc.setIn(['services', i, 'l7', 'nodes'], doc.createNode([...svc.l7.nodes], { flow: true }));
    });
  });
}

export interface NewNode { readonly name: string; readonly role: string; readonly addresses: { readonly ipv4?: string; readonly ipv6?: string } }

/** A node declared after the last node of its role (for L7 nodes the file order is the Maglev order: it comes last). */
export function withNode(text: string, node: NewNode): string {
  return editSite(text, `declare node ${node.name}`, (doc) => {
    const nodes = seqAt(doc, ['nodes'], `declare node ${node.name}`);
    let last = -1;
    nodes.items.forEach((n, i) => { if (isMap(n) && n.get('role') === node.role) last = i; });
    nodes.items.splice(last < 0 ? nodes.items.length : last + 1, 0, doc.createNode({ name: node.name, role: node.role, addresses: { ...node.addresses } }, { flow: true }));
  });
}

/** The indexes of the services named in `only` (every service when absent). */
function servicesIn(doc: Document, only: readonly string[] | undefined, what: string): number[] {
  const items = seqAt(doc, ['services'], what).items;
  for (const name of only ?? []) serviceIndex(doc, name, what);
  return items.flatMap((s, i) => (only === undefined || (isMap(s) && only.includes(String(s.get('name')))) ? [i] : []));
}

/** `node` appended to the `l7.nodes` of every service, or of those named (which must list their L7 nodes); a service that lists it already is left as it is. */
export function withL7NodeAppended(text: string, node: string, services?: readonly string[]): string {
  const what = `append L7 node ${node} to ${services ? services.join(', ') : 'every service'}`;
  return editSite(text, what, (doc) => {
    for (const i of servicesIn(doc, services, what)) {
      const list = seqAt(doc, ['services', i, 'l7', 'nodes'], `${what} (services[${i}] has no explicit l7.nodes)`);
      if (!list.items.some(scalarIs(node))) list.add(node);
    }
  });
}

/** `node` out of the `l7.nodes` of every service, or of those named; it stays declared in `nodes`. */
export function withL7NodeRemoved(text: string, node: string, services?: readonly string[]): string {
  const what = `remove L7 node ${node} from ${services ? services.join(', ') : 'every service'}`;
  return editSite(text, what, (doc) => {
    let found = false;
    for (const i of servicesIn(doc, services, what)) {
      const list = doc.getIn(['services', i, 'l7', 'nodes']);
      const at = isSeq(list) ? list.items.findIndex(scalarIs(node)) : -1;
      if (isSeq(list) && at >= 0) { list.delete(at); found = true; }
    }
    if (!found) throw new Error(`${what}: no service lists it`);
  });
}

export interface BgpChange { readonly holdTime?: string; readonly keepalive?: string; readonly vipCommunities?: readonly string[] }

export function withBgp(text: string, c: BgpChange): string {
  return editSite(text, 'change BGP timers and communities', (doc) => {
    if (c.holdTime !== undefined) doc.setIn(['bgp', 'holdTime'], c.holdTime);
    if (c.keepalive !== undefined) doc.setIn(['bgp', 'keepalive'], c.keepalive);
    if (c.vipCommunities !== undefined) doc.setIn(['bgp', 'communities', 'vip'], doc.createNode([...c.vipCommunities], { flow: true }));
  });
}

/** The site-wide `l4.tunnelChecks.enabled`: the L4 nodes' checks through the production tunnel on or off. */
export function withTunnelChecks(text: string, enabled: boolean): string {
  return editSite(text, `turn the checks through the tunnel ${enabled ? 'on' : 'off'}`, (doc) => { doc.setIn(['l4', 'tunnelChecks', 'enabled'], enabled); });
}

/** The site-wide `l7.mssClamp.enabled`: the L7 nodes' clamp of SYN-ACKs from VIPs on, or passing everything. */
export function withMssClamp(text: string, enabled: boolean): string {
  return editSite(text, `turn the MSS clamp ${enabled ? 'on' : 'off'}`, (doc) => { doc.setIn(['l7', 'mssClamp', 'enabled'], enabled); });
}

/** The site-wide `l4.connectionSync`: the L4 nodes' IPVS sync daemons on `device` (the same name on every L4 node), or off. */
export function withConnectionSync(text: string, enabled: boolean, device: string): string {
  return editSite(text, `turn IPVS connection sync ${enabled ? 'on' : 'off'}`, (doc) => {
    doc.setIn(['l4', 'connectionSync', 'enabled'], enabled);
    if (enabled) doc.setIn(['l4', 'connectionSync', 'interface'], device);
  });
}

/** `bgp.bfd`: on with these timers, or off. */
export function withBfd(text: string, enabled: boolean, timers?: { readonly interval: string; readonly multiplier: number }): string {
  return editSite(text, `turn BFD ${enabled ? 'on' : 'off'}`, (doc) => {
    doc.setIn(['bgp', 'bfd'], doc.createNode({ enabled, ...(timers ?? {}) }, { flow: true }));
  });
}

/** The site-wide `agent.agentCheckPort` (backends serve agent-check there; each L7 node's enabler asks its own agent there). */
export function withAgentCheckPort(text: string, port: number): string {
  return editSite(text, `set agent.agentCheckPort to ${port}`, (doc) => { doc.setIn(['agent', 'agentCheckPort'], port); });
}

/**
 * The next address of `family` after the site's highest VIP of that family
 * that is neither a VIP nor a node's address; undefined when the site has no
 * VIP of that family to count from.
 */
export function nextFreeVip(site: Site, family: Family, after: readonly string[] = []): string | undefined {
  const vips = site.services.flatMap((s) => s.vips as readonly string[]).filter((v) => familyOfText(v) === family);
  if (vips.length === 0) return undefined;
  const taken = new Set([...vips, ...after, ...site.nodes.flatMap((n) => [n.addresses.ipv4, n.addresses.ipv6]).filter((a): a is NonNullable<typeof a> => a !== undefined)].map((a) => toBigInt(a)));
  let next = [...vips, ...after].filter((v) => familyOfText(v) === family).map(toBigInt).reduce((a, b) => (a > b ? a : b)) + 1n;
  for (let i = 0; i < 1000 && taken.has(next); i++) next += 1n;
  return fromBigInt(next, family);
}

/** `value` set at `path` under the service `service` (`['l7', 'slowStart']`), the section made when missing. */
export function withServiceSetting(text: string, service: string, path: readonly string[], value: unknown): string {
  const what = `set ${path.join('.')} of ${service}`;
  return editSite(text, what, (doc) => { doc.setIn(['services', serviceIndex(doc, service, what), ...path], doc.createNode(value, { flow: true })); });
}
