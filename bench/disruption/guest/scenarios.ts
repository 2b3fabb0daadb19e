// The disruption scenarios, each run under load from a steady
// state (under-load.ts): hundreds of slow downloads from the users to every
// VIP start, the action happens while they are open, and the scenario reads
// what broke and how long each tier took to react, from the lab's own clocks.
import { nodesWithRole } from '../../../site/index.js';
import { routesMatch } from '../../../lab/guest/bringup.js';
import { inNode, progress, sleep, until, type LabEnv } from '../../../lab/guest/env.js';
import { firstLogged } from '../../../lab/guest/agent-log.js';
import { readNodeSite, siteWithout, writeNodeSite } from '../../../lab/guest/node-site.js';
import { ipvsTable, nodeOfAddress } from '../../../lab/guest/observe.js';
import { servedVia } from '../in-flight.js';
import { EDITS } from './edits.js';
import { FAULTS } from './faults.js';
import { MOVED } from './moved.js';
import { SYNC_OFF, SYNC_SCENARIOS } from './sync.js';
import {
  addressesOf, agentPart, editMaintenance, ipvsReaction, l4Names, names, routeReaction, sh, steady, underLoad,
  type Body, type Scenario,
} from './under-load.js';
import { agentOf, gone, haproxyOf, haproxyStat, processes, restart, serverOf, signal } from './watch.js';
import { firstHeld, routeMonitors } from '../../../lab/guest/reaction.js';

export type { LoadOptions, Scenario } from './under-load.js';

/**
 * A history in which the L4 nodes added the L7 nodes in different orders:
 * each L4 node of `moves` gets a site file without its L7 node, drops it
 * from IPVS, then gets the full site back and adds that node last (the
 * kernel's mh table depends on the add order, tiers/l4/order.ts); all at
 * once. Then the steady state again, and each L4 node's order as read back;
 * true when every L4 node holds the same order for every service.
 *
 * The flows alone cannot show a disagreement: two orders of four L7 nodes
 * give Maglev tables that differ in a handful of the 4093 slots (median 5-7,
 * simulated with random permutations), so a few hundred flows moved between
 * L4 nodes almost never land on one.
 */
async function addedInOtherOrders(env: LabEnv, moves: readonly (readonly [string, string])[], b: Body): Promise<boolean> {
  await Promise.all(moves.map(async ([l4, l7]) => {
    const full = readNodeSite(env, l4);
    const addrs = addressesOf(env, l7);
    b.actions.push(`${l4}: its site file without ${l7}, renamed into place`);
    progress(env, `  ${l4}: site file without ${l7}`);
    writeNodeSite(env, l4, siteWithout(full, l7));
    const written = Date.now();
    // An L7 node removed from a service stays with weight 0 until its connections are gone or the longest
    // HAProxy timeout of its services passed (tiers/l4/departures.ts): in tunnel mode the L4 node sees no
    // FIN, so the entries of earlier flows keep it until that bound.
    const boundMs = Math.max(...env.site.services.map((s) => Math.max(s.l7.timeouts.client.ms, s.l7.timeouts.server.ms)));
    const waitMs = boundMs + 30000;
    const dropped = await firstHeld(waitMs, async () => {
      const table = await ipvsTable(env, l4);
      return table !== undefined && table.length > 0 && table.every((svc) => svc.destinations.every((d) => !addrs.includes(d.address)));
    }, 500);
    // The full site back whatever happened: the scenarios after this one start from it.
    writeNodeSite(env, l4, full);
    if (dropped === null) throw new Error(`${l4} still had ${l7} in its IPVS ${waitMs / 1000} s after its site file lost it (${l4}.agent.log says why)`);
    b.actions.push(`${l4}: the full site file again once ${l7} was out of its IPVS: ${l7} added last`);
    progress(env, `  ${l4}: ${l7} out of its IPVS after ${((dropped - written) / 1000).toFixed(1)} s; the full site file again`);
  }));
  const st = await steady(env);
  if (!st.ok) throw new Error(`no steady state within 180 s after the full site files: ${st.detail}`);
  // An applier that restores the order may take a turn more than the weights.
  let orders: (DestinationOrders | undefined)[] = [];
  const agreed = await firstHeld(30000, async () => {
    orders = await Promise.all(l4Names(env).map((n) => destinationOrders(env, n)));
    return orders.every((o) => o !== undefined && o.byService === orders[0]?.byService);
  }, 1000);
  l4Names(env).forEach((n, i) => {
    const line = `${n}: ${orders[i]?.summary ?? 'no answer from ipvsadm'}`;
    b.notes.push(`IPVS destinations before the flows, oldest first (\`ipvsadm -Ln --nosort\` lists them newest first), ${line}`);
    progress(env, `  ${line}`);
  });
  b.notes.push(agreed !== null ? 'every L4 node held the same destination order for every service before the flows' : 'the L4 nodes\' destination orders still differed 30 s after the steady state: their Maglev tables differ (a target of this scenario)');
  return agreed !== null;
}

interface DestinationOrders {
  /** Every service with its destinations in order: equal on two L4 nodes when their Maglev tables are. */
  readonly byService: string;
  /** The distinct orders as L7 node names, each with its number of services. */
  readonly summary: string;
}

/** An L4 node's destination orders, oldest first; undefined when ipvsadm did not answer. */
async function destinationOrders(env: LabEnv, l4: string): Promise<DestinationOrders | undefined> {
  const table = await ipvsTable(env, l4);
  if (!table) return undefined;
  const counts = new Map<string, number>();
  const byService = table.map((svc) => {
    const order = svc.destinations.map((d) => nodeOfAddress(env, d.address)).join(', ');
    counts.set(order, (counts.get(order) ?? 0) + 1);
    return `${svc.protocol} ${svc.vip} ${svc.port}: ${order}`;
  }).sort().join('\n');
  return { byService, summary: [...counts].map(([order, n]) => `${order} (${n} services)`).join('; ') };
}

/** How long after the drain time the withdrawal may still come: the agent's turn in the busy lab kernel. */
const WITHDRAW_SLACK_MS = 15_000;

/** Scenario 2b's flows: long enough that the joining agent's start in the busy lab kernel ends well before them. */
const JOIN_FLOW_SECONDS = 150;

export const SCENARIOS: readonly Scenario[] = [
  {
    id: '1', name: 'L4 node disabled with /etc/lb/disable, then enabled, the L4 nodes having added the L7 nodes in different orders', kind: 'planned',
    run(env, load) {
      const l4 = l4Names(env);
      const l7 = names(nodesWithRole(env.site, 'l7'));
      const target = l4[0] ?? 'l4-1';
      const drain = env.site.bgp.drainTime.ms;
      // l4-1 adds l7-2 last, l4-2 adds l7-3 last, l4-3 keeps the file order: the flows that move between them must land on the same L7 node.
      const moves = l4.slice(0, 2).flatMap((n, i): [string, string][] => { const m = l7[i + 1]; return m !== undefined ? [[n, m]] : []; });
      let agreed = false;
      return underLoad(env, this, load, load.seconds, async (b) => {
        const mon = routeMonitors(env);
        try {
          b.actionAt = await editMaintenance(env, target, 'disable', 'touch /etc/lb/disable', b);
          if (!await routeReaction(env, mon, b.actionAt, l4.filter((n) => n !== target), `disable ${target}`, 1000 + drain, b)) b.notes.push(`the routers still had ${target} 60 s after the disable file`);
          // The routers leave the node on the graceful-shutdown community; the withdrawal comes once the drain ends. Enable after it, as an operator would.
          const actionAt = b.actionAt;
          const withdrawn = await until(drain + WITHDRAW_SLACK_MS, async () => firstLogged(env, target, actionAt, 'BGP: withdraw'), 250);
          if (withdrawn.value === undefined) b.notes.push(`${target}'s agent logged no withdrawal within ${(drain + WITHDRAW_SLACK_MS) / 1000} s of the disable file`);
          const back = await editMaintenance(env, target, 'disable', 'rm -f /etc/lb/disable', b);
          await routeReaction(env, mon, back, l4, `enable ${target}`, 1000, b);
          // The agent's own part of each reaction, from its log: the rest is BGP through the reflectors to the routers' kernels.
          agentPart(env, target, b.actionAt, 'BGP: announce', `disable ${target}: agent gave its speaker the graceful-shutdown community`, b);
          agentPart(env, target, b.actionAt, 'BGP: withdraw', `disable ${target}: agent gave its speaker the withdrawal (after the drain)`, b);
          agentPart(env, target, back, 'BGP: announce', `enable ${target}: agent gave its speaker the announcement`, b);
        } finally {
          mon.stop();
        }
        b.notes.push(`drain delay (bgp.drainTime) ${drain / 1000} s: the graceful-shutdown community first, the withdrawal after it`);
      }, (f) => f.broken === 0 && agreed, async (b) => { agreed = await addedInOtherOrders(env, moves, b); });
    },
  },
  {
    id: '2a', name: 'L4 node leaving abruptly (agent and its BGP speaker killed)', kind: 'failure',
    run(env, load) {
      const l4 = l4Names(env);
      const target = l4[l4.length - 1] ?? 'l4-3';
      return underLoad(env, this, load, load.seconds, async (b) => {
        const agent = processes(agentOf(target));
        if (agent.length === 0) throw new Error(`no agent process for ${target}`);
        const mon = routeMonitors(env);
        try {
          b.actionAt = Date.now();
          b.actions.push(`kill -9 ${target}'s agent (its gobgpd dies with it: pdeathsig)`);
          signal(agent, 'SIGKILL');
          await routeReaction(env, mon, b.actionAt, l4.filter((n) => n !== target), `${target} gone`, undefined, b);
        } finally {
          mon.stop();
        }
        b.notes.push(`IPVS in ${target}'s kernel stays; the routers send its flows to the other L4 nodes, whose Maglev tables pick the same L7 node (sloppy_tcp takes the flow mid-stream)`);
        await sleep(3000);
        restart(env, target, agent[0]?.argv ?? [], `${env.logDir}/${target}.agent.log`);
        progress(env, `  ${target}'s agent restarted for the next scenario`);
      }, (f) => f.broken === 0);
    },
  },
  {
    id: '2b', name: 'L4 node joining (its agent started)', kind: 'planned',
    run(env, load) {
      const l4 = l4Names(env);
      const target = l4[l4.length - 1] ?? 'l4-3';
      let argv: readonly string[] = [];
      // The node leaves in a planned way before the flows start, so the join is what they see.
      const prepare = async (): Promise<void> => {
        const agent = processes(agentOf(target));
        if (agent.length === 0) throw new Error(`no agent process for ${target}`);
        argv = agent[0]?.argv ?? [];
        progress(env, `  ${target}: planned stop of its agent before the flows start`);
        signal(agent, 'SIGTERM');
        if (!await gone(agent, 240000)) throw new Error(`${target}'s agent still running 240 s after SIGTERM`);
        if (!await firstHeld(60000, async () => (await routesMatch(env, l4.filter((n) => n !== target))) !== undefined, 500)) throw new Error(`routers still had ${target} 60 s after its agent stopped`);
      };
      // Measured in the lab: the agent's start alone took ~55 s under this load, and a join
      // the flows did not see proves nothing; so these flows outlast it by a minute or more.
      const seconds = Math.max(load.seconds, JOIN_FLOW_SECONDS);
      return underLoad(env, this, load, seconds, async (b) => {
        const mon = routeMonitors(env);
        try {
          b.actionAt = Date.now();
          b.actions.push(`start ${target}'s agent`);
          restart(env, target, argv, `${env.logDir}/${target}.agent.log`);
          if (!await routeReaction(env, mon, b.actionAt, l4, `${target} joined`, undefined, b, (seconds - 30) * 1000)) throw new Error(`${target} not in every router's routes within ${seconds - 30} s, with the flows ending at ${seconds} s`);
          agentPart(env, target, b.actionAt, 'BGP: announce', `${target} joined: agent started and gave its speaker the announcement`, b);
        } finally {
          mon.stop();
        }
        b.notes.push('the join time includes the agent\'s start in the lab kernel (loading its bundle, the first turn, BGP session)');
      }, (f) => f.broken === 0, prepare);
    },
  },
  {
    id: '3', name: 'L7 node drained through its agent-check, left to empty, then stopped', kind: 'planned',
    run(env, load) {
      const target = names(nodesWithRole(env.site, 'l7'))[0] ?? 'l7-1';
      const l7 = nodesWithRole(env.site, 'l7')[0];
      return underLoad(env, this, load, load.seconds, async (b) => {
        b.actionAt = await editMaintenance(env, target, 'agent-check', 'echo down > /etc/lb/agent-check', b);
        const ms = await ipvsReaction(env, target, b.actionAt, (w) => w.length > 0 && w.every((x) => x === 0), 30000);
        b.reactions.push({ what: `weight 0 for ${target} in every L4 node's IPVS`, ms, how: 'each L4 node\'s agent log: its IPVS write (kernel acknowledged), confirmed by one ipvsadm -Ln; HAProxy\'s monitor answers 503 at once and the L7 node\'s recheck hint has every L4 node check it then' });
        const empty = await firstHeld(load.seconds * 1000 + 60000, async () => {
          const stat = await haproxyStat(env, target);
          return stat !== undefined && stat.filter((s) => s.backend !== 'enabler' && !s.backend.startsWith('tierlb')).every((s) => s.scur === 0);
        }, 1000);
        b.notes.push(empty !== null ? `${target} empty ${((empty - b.actionAt) / 1000).toFixed(1)} s after the drain (HAProxy's current sessions)` : `${target} never emptied`);
        const agent = processes(agentOf(target));
        b.actions.push(`SIGTERM ${target}'s agent (planned stop)`);
        signal(agent, 'SIGTERM');
        if (!await gone(agent, 180000)) b.notes.push(`${target}'s agent still running 180 s after SIGTERM`);
        await sh(env, target, 'echo up > /etc/lb/agent-check', b.actions);
        restart(env, target, agent[0]?.argv ?? [], `${env.logDir}/${target}.agent.log`);
        progress(env, `  ${target}'s agent restarted for the next scenario`);
      }, (f) => f.broken === 0 && l7 !== undefined);
    },
  },
  {
    id: '4', name: 'L7 node failing abruptly (agent and HAProxy killed)', kind: 'failure',
    run(env, load) {
      const l7 = names(nodesWithRole(env.site, 'l7'));
      const target = l7[1] ?? 'l7-2';
      const check = env.site.services[0]?.l7.check;
      const addrs = addressesOf(env, target);
      return underLoad(env, this, load, load.seconds, async (b) => {
        const agent = processes(agentOf(target));
        const haproxy = processes(haproxyOf(env, target));
        if (agent.length === 0 || haproxy.length === 0) throw new Error(`${target}: ${agent.length} agent and ${haproxy.length} HAProxy processes found`);
        b.held = { by: target, holds: (r) => addrs.includes(servedVia(r.servedBy)?.via ?? '') };
        b.actionAt = Date.now();
        b.actions.push(`kill -9 ${target}'s agent and HAProxy (${haproxy.length} processes)`);
        signal([...agent, ...haproxy], 'SIGKILL');
        const ms = await ipvsReaction(env, target, b.actionAt, (w) => w.every((x) => x === 0), 30000);
        b.reactions.push({ what: `${target} out of every L4 node's IPVS (weight 0)`, ms, ...(check ? { targetMs: check.interval.ms * check.fall + 500 } : {}), how: 'each L4 node\'s agent log: its IPVS write (kernel acknowledged), confirmed by one ipvsadm -Ln; a refused connection takes the node out at the first check after the kill' });
        await sleep(3000);
        restart(env, target, agent[0]?.argv ?? [], `${env.logDir}/${target}.agent.log`);
        progress(env, `  ${target}'s agent restarted for the next scenario`);
      }, (f) => f.held !== undefined && f.broken === f.held.broken);
    },
  },
  {
    id: '5', name: 'backend drained, then stopped', kind: 'planned',
    run(env, load) {
      const target = nodesWithRole(env.site, 'backend')[0]?.name ?? 'srv-1';
      const l7 = names(nodesWithRole(env.site, 'l7'));
      const interval = env.site.pools[0]?.agentCheck.interval.ms ?? 500;
      return underLoad(env, this, load, load.seconds, async (b) => {
        b.actionAt = await editMaintenance(env, target, 'agent-check', 'echo drain > /etc/lb/agent-check', b);
        const per = await Promise.all(l7.map((n) => firstHeld(30000, async () => {
          const rows = ((await haproxyStat(env, n)) ?? []).filter((s) => s.server === target);
          return rows.length > 0 && rows.every((s) => s.status.includes('DRAIN') || s.weight === 0);
        }, 200)));
        b.reactions.push({ what: `${target} DRAIN in every HAProxy`, ms: per.some((p) => p === null) ? null : Math.max(...(per as number[])) - b.actionAt, how: `show stat on every L7 node's admin socket, polled every 200 ms; agent-check interval ${interval} ms` });
        const empty = await firstHeld(load.seconds * 1000 + 60000, async () => {
          for (const n of l7) if (((await haproxyStat(env, n)) ?? []).some((s) => s.server === target && s.scur > 0)) return false;
          return true;
        }, 1000);
        b.notes.push(empty !== null ? `${target} empty in every HAProxy ${((empty - b.actionAt) / 1000).toFixed(1)} s after the drain` : `${target} never emptied`);
        const server = processes(serverOf(target));
        b.actions.push(`SIGTERM ${target}'s HTTP server`);
        signal(server, 'SIGTERM');
        await gone(server, 10000);
        await sh(env, target, 'echo up > /etc/lb/agent-check', b.actions);
        if (server[0]) restart(env, target, server[0].argv, `${env.logDir}/${target}.http.log`);
      }, (f) => f.broken === 0);
    },
  },
  {
    id: '6', name: 'one of the two routers going away (upstream ECMP change)', kind: 'failure',
    run(env, load) {
      const routers = nodesWithRole(env.site, 'router');
      const leaving = routers[routers.length - 1];
      return underLoad(env, this, load, load.seconds, async (b) => {
        if (!leaving || routers.length < 2) throw new Error('expected two routers');
        // The internet reaches the VIPs through every router; take this one out of those routes.
        const uplinks = await inNode(env, 'internet', 'ip', ['-j', 'addr', 'show', 'dev', 'uplink']);
        if (uplinks.code !== 0) throw new Error(`internet: ${uplinks.stderr.trim()}`);
        const before: string[] = [];
        for (const fam of ['-4', '-6']) {
          const r = await inNode(env, 'internet', 'ip', ['-j', fam, 'route', 'show']);
          const routes = JSON.parse(r.stdout || '[]') as { dst?: string; nexthops?: { gateway?: string; dev?: string }[] }[];
          for (const rt of routes) if (rt.dst && rt.nexthops && rt.nexthops.length > 1) before.push(`${fam} ${rt.dst} ${rt.nexthops.map((h) => `${h.gateway ?? ''}@${h.dev ?? ''}`).join(' ')}`);
        }
        const rtUplinks = await inNode(env, leaving.name, 'ip', ['-j', 'addr', 'show']);
        const goneAddrs = (JSON.parse(rtUplinks.stdout || '[]') as { addr_info?: { local?: string }[] }[]).flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? ''));
        const lines = before.map((l) => {
          const [fam, dst, ...hops] = l.split(' ');
          const keep = hops.filter((h) => !goneAddrs.includes(h.split('@')[0] ?? ''));
          return `${fam === '-6' ? '-6 ' : ''}route replace ${dst} ${keep.map((h) => `nexthop via ${h.split('@')[0]} dev ${h.split('@')[1]}`).join(' ')}`;
        });
        b.actionAt = Date.now();
        b.actions.push(`internet: ${leaving.name} out of ${lines.length} multipath routes`);
        for (const l of lines) await inNode(env, 'internet', 'ip', l.split(' '));
        b.notes.push(`only the upstream side changes: return traffic (L7 → users) still uses every router; ${leaving.name}'s routes are put back after the flows end`);
        b.notes.push('the other router hashes the flow to an L4 node on its own; a flow that lands on another L4 node is kept by Maglev (same L7 node) and sloppy_tcp');
        const restore = before.map((l) => {
          const [fam, dst, ...hops] = l.split(' ');
          return `${fam === '-6' ? '-6 ' : ''}route replace ${dst} ${hops.map((h) => `nexthop via ${h.split('@')[0]} dev ${h.split('@')[1]}`).join(' ')}`;
        });
        await sleep(load.seconds * 1000);
        for (const l of restore) await inNode(env, 'internet', 'ip', l.split(' '));
      }, (f) => f.broken === 0);
    },
  },
  MOVED,
  EDITS,
  ...FAULTS,
  ...SYNC_SCENARIOS,
  SYNC_OFF,
];
