// The site edits of the `edits` scenario, one after the other, each as the
// whole site text every node gets: from the lab site the bench booted with
// (editsBootSite: every service's L7 nodes listed, and one more L7 node
// declared, so the lab builds its namespace at boot and an edit can append it
// to the services). Pure: the same boot text gives the same edits.
import { nodesWithRole, parseSiteText, servicesOnL7, formatIssue, type Site } from '../../site/index.js';
import { familyOfText, fromBigInt, toBigInt } from '../../lab/addr.js';
import {
  nextFreeVip, withAgentCheckPort, withBgp, withExplicitL7Nodes, withL7NodeAppended, withL7NodeRemoved, withNode, withoutVip, withService, withVip,
} from '../../lab/guest/site-edits.js';

/** What one step changes, with what the scenario checks on the nodes it affects. */
export type EditChange =
  | { readonly kind: 'vip-added'; readonly vip: string; readonly service: string; readonly port: number }
  | { readonly kind: 'service-added'; readonly service: string; readonly vip: string; readonly port: number }
  | { readonly kind: 'l7-appended'; readonly node: string; readonly services: readonly string[] }
  | { readonly kind: 'bgp'; readonly holdSeconds: number; readonly keepaliveSeconds: number; readonly community: string }
  | { readonly kind: 'agent-check-port'; readonly port: number }
  /**
   * The node out of the services' L7 nodes: every L4 node must give it weight
   * 0 first and keep it until its connections are gone or `drainBoundMs` (the
   * services' longest timeout) passed, then remove it.
   */
  | { readonly kind: 'l7-removed'; readonly node: string; readonly services: readonly string[]; readonly drainBoundMs: number }
  | { readonly kind: 'vip-removed'; readonly vip: string; readonly port: number };

export interface PlannedEdit {
  /** `a` to `g`, in the order they are applied. */
  readonly step: string;
  readonly name: string;
  readonly change: EditChange;
  /** The site text every node has before the step, and after it. */
  readonly before: string;
  readonly after: string;
}

/** The site of `text`, or an error naming `what` with every problem: the bench's own edits must parse. */
export function parseSiteOrThrow(text: string, what: string): Site {
  const r = parseSiteText(text);
  if (!r.ok) throw new Error(`${what}: ${r.issues.map((i) => formatIssue(i)).join('; ')}`);
  return r.site;
}

/** The last L7 node the site declares that some service does not list: the one the edits append and remove. */
export const spareL7 = (site: Site): string | undefined => nodesWithRole(site, 'l7').filter((n) => servicesOnL7(site, n.name).length < site.services.length).at(-1)?.name;

/** The services that do not list `node`. */
const servicesWithout = (site: Site, node: string): string[] => site.services.filter((s) => !(s.l7.nodes as readonly string[]).includes(node)).map((s) => s.name);

const nextAddress = (address: string, taken: ReadonlySet<string>): string => {
  const family = familyOfText(address);
  let n = toBigInt(address) + 1n;
  for (let i = 0; i < 1000 && taken.has(fromBigInt(n, family)); i++) n += 1n;
  return fromBigInt(n, family);
};

/**
 * The lab site the `edits` scenario boots with: `text` with every service's
 * L7 nodes listed and one more L7 node declared after the last one (the next
 * name and the next free addresses on their segment), listed by the last
 * service only. Not by none: an L7 node that serves no service gets a
 * haproxy.cfg that HAProxy 2.6 refuses (the monitor's `_all` answer is an
 * empty `lf-string ""`), so its agent could not start. `servedBy` names
 * another service to list it instead. A site that already has an L7 node
 * some service does not list is returned as it is.
 */
export function editsBootSite(text: string, servedBy?: string): { readonly text: string; readonly spare: string } {
  const site = parseSiteOrThrow(text, 'the lab site');
  const spare = spareL7(site);
  if (spare !== undefined) return { text, spare };
  const l7 = nodesWithRole(site, 'l7');
  const last = l7[l7.length - 1];
  if (!last) throw new Error('the lab site: expected at least one L7 node to add a spare after');
  const taken = new Set(site.nodes.flatMap((n) => [n.addresses.ipv4, n.addresses.ipv6]).filter((a): a is NonNullable<typeof a> => a !== undefined));
  const names = new Set(site.nodes.map((n) => n.name as string));
  let i = l7.length + 1;
  while (names.has(`l7-${i}`) && i < 1000) i++;
  const name = `l7-${i}`;
  const addresses = {
    ...(last.addresses.ipv4 ? { ipv4: nextAddress(last.addresses.ipv4, taken) } : {}),
    ...(last.addresses.ipv6 ? { ipv6: nextAddress(last.addresses.ipv6, taken) } : {}),
  };
  const declared = withNode(withExplicitL7Nodes(text, site), { name, role: 'l7', addresses });
  const serving = servedBy ?? site.services[site.services.length - 1]?.name;
  return { text: withL7NodeAppended(declared, name, serving === undefined ? [] : [serving]), spare: name };
}

/** The first port above `from` that the site does not use for something else. */
function freePort(site: Site, from: number): number {
  const used = new Set<number>([
    site.l7.monitorPort, site.l7.statsPort, site.agent.listen.port,
    ...site.nodes.flatMap((n) => [n.agent.agentCheckPort, n.agent.listen.port]),
    ...site.services.flatMap((s) => s.ports), ...site.pools.flatMap((p) => p.servers.map((s) => s.port)),
  ].map(Number));
  let p = from + 1;
  while (used.has(p) && p < 65535) p++;
  return p;
}

/** A VIP community not in the site yet: the site's ASN (or 65000 when it needs four bytes) and the next value after those used. */
function newCommunity(site: Site): string {
  const asn = Number(site.bgp.asn) <= 65535 ? Number(site.bgp.asn) : 65000;
  const used = [...site.bgp.communities.vip, site.bgp.communities.gracefulShutdown].map(String).filter((c) => c.startsWith(`${asn}:`)).map((c) => Number(c.split(':')[1]));
  return `${asn}:${used.length > 0 ? Math.max(...used) + 1 : 100}`;
}

/** Every step, in order, from the boot text (which must have a spare L7 node: editsBootSite). */
export function editPlan(boot: string): PlannedEdit[] {
  const site = parseSiteOrThrow(boot, 'the boot site');
  const spare = spareL7(site);
  const web = site.services[0];
  if (spare === undefined) throw new Error('the boot site: expected an L7 node that some service does not list (editsBootSite adds one)');
  if (!web) throw new Error('the boot site: expected a service');
  const vipA = nextFreeVip(site, 'ipv4');
  const vipB = vipA === undefined ? undefined : nextFreeVip(site, 'ipv4', [vipA]);
  if (vipA === undefined || vipB === undefined) throw new Error('the boot site: expected a service with an IPv4 VIP to count new VIPs from');
  const port = Number(web.ports[0]);
  const names = new Set(site.services.map((s) => s.name as string));
  let service = 'edits';
  for (let i = 2; names.has(service) && i < 100; i++) service = `edits${i}`;
  // Shorter, not longer: a session agrees on the smaller hold time of its two ends, and gobgpd (the
  // reflectors) takes new timers for an established session only when that session restarts.
  const holdSeconds = Math.max(3, site.bgp.holdTime.ms / 1000 - 3);
  const keepaliveSeconds = Math.max(1, Math.floor(holdSeconds / 3));
  const community = newCommunity(site);
  const lacking = servicesWithout(site, spare);
  // The L4 nodes keep a removed L7 node at weight 0 until its connections are gone or the longest timeout of its services passed.
  const drainBoundMs = Math.max(...site.services.filter((s) => lacking.includes(s.name) || s.name === web.name).map((s) => Math.max(s.l7.timeouts.client.ms, s.l7.timeouts.server.ms, s.l7.timeouts.connect.ms)));
  if (lacking.length === 0) throw new Error(`the boot site: expected a service that does not list ${spare}`);
  const agentPort = freePort(site, Number(site.agent.agentCheckPort));

  const steps: { step: string; name: string; change: EditChange; apply: (t: string) => string }[] = [
    { step: 'a', name: `VIP ${vipA} added to service ${web.name}`, change: { kind: 'vip-added', vip: vipA, service: web.name, port }, apply: (t) => withVip(t, web.name, vipA) },
    { step: 'b', name: `service ${service} added (VIP ${vipB}, port ${port}, pool and L7 nodes of ${web.name})`, change: { kind: 'service-added', service, vip: vipB, port }, apply: (t) => withService(t, { name: service, like: web.name, vips: [vipB], ports: [port] }) },
    {
      // The service b added does not list it either: it copied the first service's L7 nodes.
      step: 'c', name: `L7 node ${spare} appended to the l7.nodes of ${[...lacking, service].join(', ')}`, change: { kind: 'l7-appended', node: spare, services: [...lacking, service] },
      apply: (t) => withL7NodeAppended(t, spare, [...lacking, service]),
    },
    {
      step: 'd', name: `BGP hold time ${holdSeconds} s, keepalive ${keepaliveSeconds} s, VIP community ${community} added`, change: { kind: 'bgp', holdSeconds, keepaliveSeconds, community },
      apply: (t) => withBgp(t, { holdTime: `${holdSeconds}s`, keepalive: `${keepaliveSeconds}s`, vipCommunities: [...site.bgp.communities.vip, community] }),
    },
    { step: 'e', name: `agent-check port ${agentPort} (agent.agentCheckPort, was ${Number(site.agent.agentCheckPort)})`, change: { kind: 'agent-check-port', port: agentPort }, apply: (t) => withAgentCheckPort(t, agentPort) },
    {
      step: 'f', name: `L7 node ${spare} removed from the l7.nodes of ${[...lacking, service].join(', ')} (weight 0 first, gone after its drain bound)`,
      change: { kind: 'l7-removed', node: spare, services: [...lacking, service], drainBoundMs },
      apply: (t) => withL7NodeRemoved(t, spare, [...lacking, service]),
    },
    { step: 'g', name: `VIP ${vipA} removed from service ${web.name}`, change: { kind: 'vip-removed', vip: vipA, port }, apply: (t) => withoutVip(t, vipA) },
  ];
  const out: PlannedEdit[] = [];
  let text = boot;
  for (const s of steps) {
    const after = s.apply(text);
    out.push({ step: s.step, name: s.name, change: s.change, before: text, after });
    text = after;
  }
  return out;
}
