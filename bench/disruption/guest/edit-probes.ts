// What "taken" means for each live site edit, as probes of the running lab:
// each reads one tier on every node it affects (the routers' kernel routes
// and BIRD, every L4 node's IPVS, every L7 node's HAProxy and sockets, the
// backends' sockets, answers to the users) and says whether the edit shows
// there, and what it saw otherwise (the reason an edit that times out fails).
import { haproxyRuntime } from '../../../agent/ports/haproxy-runtime.js';
import { nodeNamed, nodesWithRole, type Site } from '../../../site/index.js';
import { familyOfText } from '../../../lab/addr.js';
import { routesMatch } from '../../../lab/guest/bringup.js';
import { inNode, nodeRun, type LabEnv } from '../../../lab/guest/env.js';
import { ipvsTable, vipRoutes } from '../../../lab/guest/observe.js';
import { bgpPaths } from '../../../tiers/ecmp/paths.js';
import { haproxyPaths } from '../../../tiers/l7/paths.js';
import { birdPathCommunities, birdSessions, listeningSockets, serverAgentPorts } from '../daemon-text.js';
import type { EditChange } from '../edit-plan.js';
import { servedVia } from '../in-flight.js';
import { addressesOf, l4Names, servingL7 } from './under-load.js';
import { l7WeightsOn } from '../../../lab/guest/reaction.js';
import { haproxyStat, usersFlows } from './watch.js';

export interface Seen { readonly ok: boolean; readonly seen: string }

export interface Probe {
  /** The tier and what it must show, e.g. "routers: 198.51.100.5 via l4-1, l4-2, l4-3". */
  readonly what: string;
  /** How it is read. */
  readonly how: string;
  /** Its own bound from the edit, when it is not the scenario's. */
  readonly withinMs?: number;
  check(): Promise<Seen>;
}

const names = (site: Site, role: 'router' | 'l4' | 'l7' | 'backend'): string[] => nodesWithRole(site, role).map((n) => n.name);
/** A one-second download: lab/server.mjs names the L7 node it came through (X-Served-By) only on /slow. */
const SHORT = '/slow?seconds=1&every=200';
const url = (vip: string, port: number, path = '/'): string => `http://${familyOfText(vip) === 'ipv6' ? `[${vip}]` : vip}:${port}${path}`;
const endpoint = (vip: string, port: number): string => (familyOfText(vip) === 'ipv6' ? `[${vip}]:${port}` : `${vip}:${port}`);

/** Every node's answer to `read`, all true or the first ones that are not. */
async function everyNode(nodes: readonly string[], read: (n: string) => Promise<Seen>): Promise<Seen> {
  const all = await Promise.all(nodes.map(async (n) => ({ n, r: await read(n) })));
  const bad = all.filter((x) => !x.r.ok);
  return { ok: bad.length === 0 && nodes.length > 0, seen: bad.length === 0 ? `${nodes.join(', ')}` : bad.slice(0, 3).map((x) => `${x.n}: ${x.r.seen}`).join('; ') };
}

/** Every router's route to `vip` has exactly `l4` as next hops; an empty `l4` means no route at all. */
export function routedVia(env: LabEnv, vip: string, l4: readonly string[]): Probe {
  const one = { ...env, topology: { ...env.topology, vips: [vip] } };
  return {
    what: `routers: ${vip} ${l4.length > 0 ? `via ${l4.join(', ')}` : 'without a route'}`,
    how: 'ip -j route show on every router, polled every 500 ms plus the read',
    async check() {
      if (l4.length > 0 && (await routesMatch(one, l4)) !== undefined) return { ok: true, seen: l4.join(', ') };
      return everyNode(names(env.site, 'router'), async (rt) => {
        const hops = (await vipRoutes(one, rt)).get(vip);
        return { ok: l4.length === 0 ? hops === undefined : hops?.join(' ') === [...l4].sort().join(' '), seen: hops?.join(', ') ?? 'no route' };
      });
    },
  };
}

/** Every L4 node has (or, `present` false, has not) the IPVS service `vip:port`, with a weighted destination per L7 node serving it. */
export function ipvsService(env: LabEnv, vip: string, port: number, present: boolean): Probe {
  const service = env.site.services.find((s) => (s.vips as readonly string[]).includes(vip));
  const l7 = present ? service?.l7.nodes ?? [] : [];
  return {
    what: `IPVS of every L4 node: ${endpoint(vip, port)} ${present ? `to ${l7.join(', ')}` : 'gone'}`,
    how: 'ipvsadm -Ln --nosort on every L4 node, polled every 500 ms plus the read',
    check: () => everyNode(l4Names(env), async (n) => {
      const svc = ((await ipvsTable(env, n)) ?? []).find((s) => s.vip === vip && s.port === port);
      if (!present) return { ok: svc === undefined, seen: svc ? 'still there' : 'gone' };
      const weighted = l7.filter((m) => svc?.destinations.some((d) => addressesOf(env, m).includes(d.address) && d.weight > 0));
      return { ok: svc !== undefined && weighted.length === l7.length, seen: svc ? `weighted ${weighted.join(', ') || 'none'}` : 'no such service' };
    }),
  };
}

/** Every L7 node of `nodes` has (or has not) a socket listening on `vip:port` (HAProxy binds every VIP on its loopback). */
export function haproxyListens(env: LabEnv, nodes: readonly string[], vip: string, port: number, present: boolean): Probe {
  const want = endpoint(vip, port);
  return {
    what: `HAProxy of ${nodes.join(', ')}: ${present ? 'listening on' : 'no listener on'} ${want}`,
    how: 'ss -Hltn in every L7 node, polled every 500 ms plus the read',
    check: () => everyNode(nodes, async (n) => {
      const r = await inNode(env, n, 'ss', ['-Hltn']);
      const has = listeningSockets(r.stdout).includes(want);
      return { ok: r.code === 0 && has === present, seen: r.code !== 0 ? `ss failed: ${r.stderr.trim().slice(0, 100)}` : has ? 'listening' : 'not listening' };
    }),
  };
}

/** Every L7 node of `nodes` has the backend of `service` with every server UP. */
export function haproxyBackendUp(env: LabEnv, nodes: readonly string[], service: string): Probe {
  const backend = `be_${service}`;
  return {
    what: `HAProxy of ${nodes.join(', ')}: backend ${backend} with every server UP`,
    how: 'show stat on every L7 node\'s admin socket, polled every 500 ms',
    check: () => everyNode(nodes, async (n) => {
      const rows = ((await haproxyStat(env, n)) ?? []).filter((s) => s.backend === backend);
      const down = rows.filter((s) => !s.status.startsWith('UP'));
      return { ok: rows.length > 0 && down.length === 0, seen: rows.length === 0 ? `no backend ${backend}` : down.map((s) => `${s.server} ${s.status}`).join(', ') };
    }),
  };
}

/** An L7 node's HAProxy has none of the backends of `services` any more. */
export function haproxyWithout(env: LabEnv, node: string, services: readonly string[]): Probe {
  const gone = services.map((s) => `be_${s}`);
  return {
    what: `HAProxy of ${node}: no backend ${gone.join(', ')}`,
    how: 'show stat on its admin socket, polled every 500 ms',
    async check() {
      const rows = await haproxyStat(env, node);
      const left = [...new Set((rows ?? []).map((s) => s.backend).filter((b) => gone.includes(b)))];
      return { ok: rows !== undefined && left.length === 0, seen: rows === undefined ? 'no answer' : `still ${left.join(', ')}` };
    },
  };
}

const endpointsOf = (env: LabEnv, services: readonly string[]): Set<string> =>
  new Set(env.site.services.filter((s) => services.includes(s.name)).flatMap((s) => s.vips.flatMap((v) => s.ports.map((p) => endpoint(v, Number(p))))));

/** An L4 node's weights for `l7` in the IPVS services of `endpoints`; undefined when ipvsadm did not answer. */
async function weightsIn(env: LabEnv, l4: string, l7: string, endpoints: ReadonlySet<string>): Promise<number[] | undefined> {
  const table = await ipvsTable(env, l4);
  return table?.filter((svc) => endpoints.has(endpoint(svc.vip, svc.port)))
    .flatMap((svc) => svc.destinations.filter((d) => addressesOf(env, l7).includes(d.address)).map((d) => d.weight));
}

/**
 * Every L4 node, once `l7` is out of `services`, first gives it weight 0 in
 * them (it drains: its connections go on, no new one comes) before it
 * removes it. Seen once per node; a node that removed it without a weight 0
 * seen first fails it.
 */
export function l7ZeroFirst(env: LabEnv, l7: string, services: readonly string[]): Probe {
  const endpoints = endpointsOf(env, services);
  const zeroSeen = new Set<string>();
  return {
    what: `IPVS of every L4 node: ${l7} at weight 0 in ${services.join(', ')} before it leaves`,
    how: 'ipvsadm -Ln --nosort on every L4 node, polled every 500 ms plus the read; each node must show weight 0 once before the destination goes',
    check: () => everyNode(l4Names(env), async (n) => {
      if (zeroSeen.has(n)) return { ok: true, seen: 'weight 0 seen' };
      const w = await weightsIn(env, n, l7, endpoints);
      if (w !== undefined && w.length > 0 && w.every((x) => x === 0)) zeroSeen.add(n);
      return { ok: zeroSeen.has(n), seen: w === undefined ? 'no answer' : w.length === 0 ? 'removed without a weight 0 seen first' : `weights ${w.join(',')}` };
    }),
  };
}

/** No L4 node has a destination for `l7` in the IPVS services of `services` (each VIP and port), within `withinMs`. */
export function l7OutOf(env: LabEnv, l7: string, services: readonly string[], withinMs?: number): Probe {
  const endpoints = endpointsOf(env, services);
  return {
    what: `IPVS of every L4 node: ${l7} out of ${services.join(', ')}`,
    how: 'ipvsadm -Ln --nosort on every L4 node, polled every 500 ms plus the read',
    ...(withinMs !== undefined ? { withinMs } : {}),
    check: () => everyNode(l4Names(env), async (n) => {
      const w = await weightsIn(env, n, l7, endpoints);
      return { ok: w !== undefined && w.length === 0, seen: w === undefined ? 'no answer' : `still there, weights ${w.join(',')}` };
    }),
  };
}

/** Every L4 node weights `l7` (> 0) in every IPVS service of the services that list it. */
export function l7Weighted(env: LabEnv, l7: string): Probe {
  const services = env.site.services.filter((s) => (s.l7.nodes as readonly string[]).includes(l7)).reduce((n, s) => n + s.vips.length * s.ports.length, 0);
  return {
    what: `IPVS of every L4 node: ${l7} weighted in its ${services} services`,
    how: 'ipvsadm -Ln --nosort on every L4 node, polled every 500 ms plus the read',
    check: () => everyNode(l4Names(env), async (n) => {
      const w = await l7WeightsOn(env, n, l7);
      return { ok: w.length === services && w.every((x) => x > 0), seen: w.length === 0 ? 'no destination' : `weights ${w.join(',')}` };
    }),
  };
}

/** Requests from a few user addresses to `vip:port`, every one answered. */
export function usersAnswered(env: LabEnv, vip: string, port: number): Probe {
  const sources = env.topology.clients[familyOfText(vip)].slice(0, 4);
  return {
    what: `users: ${url(vip, port)} answered`,
    how: `${sources.length} requests from the users namespace (the flows client), repeated every 500 ms until all answer`,
    async check() {
      const a = await usersFlows(env, [url(vip, port, SHORT)], sources, { idleMs: 5000, timeoutMs: 15000 });
      return { ok: a.error === undefined && a.flows > 0 && a.broken === 0, seen: a.error ?? `${a.flows - a.broken}/${a.flows} answered` };
    },
  };
}

/** Requests from the users to the IPv4 VIPs of `services` answer, and at least one comes through `l7`. */
export function usersServedVia(env: LabEnv, l7: string, services: readonly string[]): Probe {
  const targets = env.site.services.filter((s) => services.includes(s.name)).flatMap((s) => s.vips.filter((v) => familyOfText(v) === 'ipv4').map((v) => url(v, Number(s.ports[0]), SHORT)));
  const sources = env.topology.clients.ipv4.slice(0, 40);
  const addrs = addressesOf(env, l7);
  return {
    what: `users: answers from ${services.join(', ')} through ${l7}`,
    how: `${sources.length} requests from the users namespace (the flows client) to their IPv4 VIPs in turn; the server's X-Served-By names the L7 node`,
    async check() {
      const a = await usersFlows(env, targets, sources, { idleMs: 5000, timeoutMs: 20000 });
      const via = Object.entries(a.servedBy).filter(([by]) => addrs.includes(servedVia(by)?.via ?? '')).reduce((n, [, c]) => n + c, 0);
      return { ok: a.error === undefined && a.broken === 0 && via > 0, seen: a.error ?? `${via}/${a.flows} through ${l7}, ${a.broken} broken` };
    },
  };
}

/** BIRD on every router and every L4 node (speaker bird): every BGP session Established with the negotiated hold time and keepalive. */
export function bgpTimers(env: LabEnv, holdSeconds: number, keepaliveSeconds: number): Probe {
  const nodes = [...names(env.site, 'router'), ...(env.site.bgp.speaker === 'bird' ? names(env.site, 'l4') : [])];
  return {
    what: `BGP sessions of ${nodes.join(', ')}: hold ${holdSeconds} s, keepalive ${keepaliveSeconds} s, Established`,
    how: 'birdc show protocols all on every router and L4 node (negotiated timers: both ends must have taken them), polled every 500 ms plus the read',
    check: () => everyNode(nodes, async (n) => {
      const node = nodeNamed(env.site, n);
      const r = node ? await inNode(env, n, 'birdc', ['-s', bgpPaths(node).birdSocket, 'show', 'protocols', 'all']) : undefined;
      const sessions = birdSessions(r?.stdout ?? '');
      const off = sessions.filter((s) => s.state !== 'Established' || s.holdSeconds !== holdSeconds || s.keepaliveSeconds !== keepaliveSeconds);
      return { ok: sessions.length > 0 && off.length === 0, seen: sessions.length === 0 ? 'no BGP session' : off.map((s) => `${s.protocol} ${s.state} ${s.holdSeconds ?? '-'}/${s.keepaliveSeconds ?? '-'}`).join(', ') };
    }),
  };
}

/** Every router's every path to every VIP carries `community`. */
export function communityAtRouters(env: LabEnv, community: string): Probe {
  const vips = [...new Set(env.site.services.flatMap((s) => s.vips as readonly string[]))];
  return {
    what: `routers: every path to every VIP carries ${community}`,
    how: 'birdc show route for VIP all on every router, polled every 500 ms plus the reads',
    check: () => everyNode(names(env.site, 'router'), async (rt) => {
      const node = nodeNamed(env.site, rt);
      const missing: string[] = [];
      for (const vip of vips) {
        const r = node ? await inNode(env, rt, 'birdc', ['-s', bgpPaths(node).birdSocket, 'show', 'route', 'for', vip, 'all']) : undefined;
        const paths = birdPathCommunities(r?.stdout ?? '');
        if (paths.length === 0 || paths.some((p) => !p.communities.includes(community))) missing.push(`${vip} (${paths.length} paths)`);
      }
      return { ok: missing.length === 0, seen: missing.length === 0 ? 'every path' : `without it: ${missing.slice(0, 3).join(', ')}` };
    }),
  };
}

/** Every backend and L7 node listens on the agent-check port, and every L7 node's HAProxy asks every agent there. */
export function agentCheckPort(env: LabEnv, port: number): Probe[] {
  const agents = [...names(env.site, 'backend'), ...servingL7(env)];
  const l7 = servingL7(env);
  return [
    {
      what: `agents of ${agents.join(', ')}: agent-check served on port ${port}`,
      how: 'ss -Hltn in every backend and L7 node, polled every 500 ms plus the read',
      check: () => everyNode(agents, async (n) => {
        const r = await inNode(env, n, 'ss', ['-Hltn']);
        const ports = listeningSockets(r.stdout).map((a) => a.slice(a.lastIndexOf(':') + 1));
        return { ok: ports.includes(String(port)), seen: `not listening on ${port}` };
      }),
    },
    {
      what: `HAProxy of ${l7.join(', ')}: every agent-check to port ${port}`,
      how: 'show servers state on every L7 node\'s admin socket (srv_agent_port), polled every 500 ms',
      check: () => everyNode(l7, async (n) => {
        const node = nodeNamed(env.site, n);
        const text = node ? await haproxyRuntime(nodeRun(env, n, haproxyPaths(node).adminSocket)).command('show servers state').catch(() => '') : '';
        const rows = serverAgentPorts(text).filter((r) => r.agentPort > 0);
        const off = rows.filter((r) => r.agentPort !== port);
        return { ok: rows.length > 0 && off.length === 0, seen: rows.length === 0 ? 'no agent-check' : off.slice(0, 3).map((r) => `${r.backend}/${r.server} port ${r.agentPort}`).join(', ') };
      }),
    },
  ];
}

/** What every affected node must show once it has taken the edit (`env` sees the site after it). */
export function probesFor(change: EditChange, env: LabEnv): Probe[] {
  const l4 = l4Names(env);
  switch (change.kind) {
    case 'vip-added':
    case 'service-added': {
      const service = change.kind === 'service-added' ? change.service : env.site.services.find((s) => (s.vips as readonly string[]).includes(change.vip))?.name ?? '';
      const l7 = env.site.services.find((s) => s.name === service)?.l7.nodes ?? [];
      return [
        routedVia(env, change.vip, l4),
        ipvsService(env, change.vip, change.port, true),
        haproxyListens(env, l7, change.vip, change.port, true),
        ...(change.kind === 'service-added' ? [haproxyBackendUp(env, l7, service)] : []),
        usersAnswered(env, change.vip, change.port),
      ];
    }
    case 'l7-appended':
      return [
        ...change.services.map((s) => haproxyBackendUp(env, [change.node], s)),
        l7Weighted(env, change.node),
        usersServedVia(env, change.node, change.services),
      ];
    case 'bgp':
      return [bgpTimers(env, change.holdSeconds, change.keepaliveSeconds), communityAtRouters(env, change.community)];
    case 'agent-check-port':
      return agentCheckPort(env, change.port);
    case 'l7-removed':
      // Out once its connections are gone (the flows end) or its drain bound passed; the slack is the reads' own time.
      return [l7ZeroFirst(env, change.node, change.services), l7OutOf(env, change.node, change.services, change.drainBoundMs + 30000), haproxyWithout(env, change.node, change.services)];
    case 'vip-removed':
      return [routedVia(env, change.vip, []), ipvsService(env, change.vip, change.port, false), haproxyListens(env, names(env.site, 'l7'), change.vip, change.port, false)];
  }
}
