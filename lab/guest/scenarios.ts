// The disruption scenarios (issue 5), each run under load from a steady
// state: hundreds of slow downloads from the users to every VIP start, the
// action happens while they are open, and the scenario reads what broke and
// how long each tier took to react, from the lab's own clocks.
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { connectionMoves } from '../../bench/disruption/conn-moves.js';
import { scenarioFlows, servedVia } from '../../bench/disruption/in-flight.js';
import type { Reaction, ScenarioFlows, ScenarioResult } from '../../bench/disruption/result.js';
import { vipChanges } from '../../bench/disruption/route-events.js';
import type { FlowResult } from '../../bench/flows/outcome.js';
import { nodesWithRole, nodeNamed, type SiteNode } from '../../site/index.js';
import { familyOfText } from '../addr.js';
import { routesMatch } from './bringup.js';
import { inNode, progress, sleep, type LabEnv } from './env.js';
import { readNodeSite, siteWithout, writeNodeSite } from './node-site.js';
import { speakerChange } from './agent-log.js';
import { ipvsTable, nodeOfAddress } from './observe.js';
import { agentOf, firstHeld, gone, haproxyOf, haproxyStat, processes, restart, routeMonitors, serverOf, signal, startFlows } from './scenarios-watch.js';

export interface LoadOptions {
  /** Concurrent downloads per scenario, all started together. */
  readonly flows: number;
  /** Length of each download. */
  readonly seconds: number;
  /** A flow with no byte for this long is broken (timeout): the lab kernel can stall a healthy flow for seconds. */
  readonly idleMs: number;
  /** From starting the flows to the action, so every flow is open when it happens. */
  readonly warmupMs: number;
}

export interface Scenario {
  readonly id: string;
  readonly name: string;
  readonly kind: 'planned' | 'failure';
  run(env: LabEnv, load: LoadOptions): Promise<ScenarioResult>;
}

const names = (nodes: readonly SiteNode[]): string[] => nodes.map((n) => n.name);
const l4Names = (env: LabEnv): string[] => names(nodesWithRole(env.site, 'l4'));
const addressesOf = (env: LabEnv, node: string): string[] => {
  const n = nodeNamed(env.site, node);
  return n ? [n.addresses.ipv4, n.addresses.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined) : [];
};

/** Every VIP and port of every service, a slow download each. */
export function slowTargets(env: LabEnv, seconds: number): string[] {
  return env.site.services.flatMap((s) => s.vips.flatMap((vip) => s.ports.map((port) =>
    `http://${familyOfText(vip) === 'ipv6' ? `[${vip}]` : vip}:${Number(port)}/slow?seconds=${seconds}&every=500`)));
}

async function sh(env: LabEnv, node: string, command: string, actions: string[]): Promise<void> {
  actions.push(`${node}# ${command}`);
  progress(env, `  ${node}# ${command}`);
  const r = await inNode(env, node, 'sh', ['-c', command]);
  if (r.code !== 0) throw new Error(`${node}# ${command}: exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
}

/**
 * An operator's edit of a maintenance file in /etc/lb, and its instant: the
 * file's change time as the kernel stamped it (its mtime; for a removal, the
 * folder's). Spawning nsenter and a shell in the busy lab kernel takes up to
 * seconds, which is the operator's command, not the agent's reaction.
 */
async function editMaintenance(env: LabEnv, node: string, file: string, command: string, b: Body): Promise<number> {
  const started = Date.now();
  await sh(env, node, command, b.actions);
  const dir = `${env.stateDir}/nodes/${node}/etc-lb`;
  let at: number;
  try {
    at = statSync(`${dir}/${file}`).mtimeMs;
  } catch {
    at = statSync(dir).mtimeMs;
  }
  // A stamp outside the command's own span is not this edit's: fall back to the command's start.
  if (!(at >= started - 50 && at <= Date.now() + 50)) at = started;
  b.notes.push(`${node}# ${command}: the command took ${((Date.now() - started) / 1000).toFixed(2)} s in the lab kernel; reactions count from the change's own time stamp, ${((at - started) / 1000).toFixed(2)} s after it started`);
  return at;
}

/** `ipvsadm -Lnc` of every L4 node every 4 s until stopped, appended to `file` with the time of each read. */
function readFileOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function recordConnections(env: LabEnv, file: string): { readonly file: string; stop(): Promise<void> } {
  let running = true;
  const loop = (async (): Promise<void> => {
    for (let i = 0; running && i < 1000; i++) {
      const at = new Date().toISOString();
      const tables = await Promise.all(l4Names(env).map(async (n) => ({ n, r: await inNode(env, n, 'ipvsadm', ['-L', '-n', '-c']) })));
      appendFileSync(file, tables.map(({ n, r }) => `## ${n} ${at}\n${r.stdout}`).join(''));
      for (let w = 0; running && w < 8; w++) await sleep(500);
    }
  })();
  return { file, async stop() { running = false; await loop; } };
}

/** Weights an L4 node gives an L7 node, over every IPVS service; a missing destination is absent. */
async function l7WeightsOn(env: LabEnv, l4: string, l7: string): Promise<number[]> {
  const addrs = addressesOf(env, l7);
  const table = (await ipvsTable(env, l4)) ?? [];
  return table.flatMap((svc) => svc.destinations.filter((d) => addrs.includes(d.address)).map((d) => d.weight));
}

async function l7Weights(env: LabEnv, l7: string): Promise<{ node: string; weights: number[] }[]> {
  return Promise.all(l4Names(env).map(async (n) => ({ node: n, weights: await l7WeightsOn(env, n, l7) })));
}

/** Time from `at` until every L4 node's IPVS shows `cond` for the L7 node's weights, polled per L4 node; the slowest node counts. */
async function ipvsReaction(env: LabEnv, l7: string, at: number, cond: (weights: number[]) => boolean, ms: number): Promise<number | null> {
  const per = await Promise.all(l4Names(env).map((n) => firstHeld(ms, async () => cond(await l7WeightsOn(env, n, l7)), 200)));
  return per.some((p) => p === null) ? null : Math.max(...(per as number[])) - at;
}

/** The steady state every scenario starts from: every L4 node in every router's routes, every L7 node weighted on every L4 node, every server UP. */
export async function steady(env: LabEnv, ms = 180000): Promise<{ ok: boolean; detail: string }> {
  const l4 = l4Names(env);
  const l7 = names(nodesWithRole(env.site, 'l7'));
  let detail = '';
  const at = await firstHeld(ms, async () => {
    if (!(await routesMatch(env, l4))) { detail = 'routers do not have every L4 node'; return false; }
    for (const n of l7) {
      const w = await l7Weights(env, n);
      if (w.some((x) => x.weights.length === 0 || x.weights.some((v) => v === 0))) { detail = `${n} not weighted on every L4 node`; return false; }
      const stat = await haproxyStat(env, n);
      const down = (stat ?? []).filter((s) => !s.status.startsWith('UP') && s.status !== 'no check');
      if (!stat || down.length > 0) { detail = `${n}: ${stat ? down.map((s) => `${s.backend}/${s.server} ${s.status}`).join(', ') : 'no HAProxy answer'}`; return false; }
    }
    return true;
  }, 1000);
  return { ok: at !== null, detail: at !== null ? 'steady' : detail };
}

interface Body {
  readonly actions: string[];
  readonly reactions: Reaction[];
  readonly notes: string[];
  /** The instant of the action the flows are judged against. */
  actionAt?: number;
  held?: { by: string; holds: (r: FlowResult) => boolean };
}

/** Starts the flows, lets them open, runs the action, waits for the flows; the result with the targets judged. */
async function underLoad(env: LabEnv, s: Omit<Scenario, 'run'>, load: LoadOptions, seconds: number, act: (b: Body) => Promise<void>, ok: (f: ScenarioFlows) => boolean, prepare?: (b: Body) => Promise<void>): Promise<ScenarioResult> {
  progress(env, `scenario ${s.id}: ${s.name}`);
  const st = await steady(env);
  if (!st.ok) return { ...s, actions: [], flows: null, reactions: [], ok: false, notes: [], error: `no steady state to start from within 180 s: ${st.detail}` };
  const body: Body = { actions: [], reactions: [], notes: [] };
  try {
    await prepare?.(body);
  } catch (e) {
    return { ...s, actions: body.actions, flows: null, reactions: [], ok: false, notes: body.notes, error: `before the flows: ${(e as Error).message}` };
  }
  const flows = startFlows(env, { targets: slowTargets(env, seconds), flows: load.flows, seconds, idleMs: load.idleMs, tag: `scenario-${s.id}` });
  let error: string | undefined;
  // Act once the flows are open: a Node.js start alone takes seconds in the busy lab kernel.
  const l7 = names(nodesWithRole(env.site, 'l7'));
  let open = 0;
  const opened = await firstHeld(120000, async () => {
    const stats = await Promise.all(l7.map((n) => haproxyStat(env, n)));
    open = stats.flatMap((s) => s ?? []).reduce((sum, r) => sum + r.scur, 0);
    return open >= Math.floor(load.flows * 0.9);
  }, 1000);
  progress(env, `  ${open} sessions open in HAProxy ${opened === null ? 'after 120 s (fewer than 90% of the flows)' : `${((opened - flows.startedAt) / 1000).toFixed(1)} s after starting the flows`}`);
  await sleep(load.warmupMs);
  // Which L4 node holds which flow, and where it sends it, while the flows run: the first thing to look at when one breaks.
  const conns = recordConnections(env, `${env.logDir}/ipvs-conns-scenario-${s.id}.txt`);
  // Any change of a VIP route moves flows between L4 nodes: expected in some scenarios, a cause to look at in the others.
  const routesDuring = routeMonitors(env);
  const monitoredFrom = Date.now();
  try {
    await act(body);
  } catch (e) {
    error = (e as Error).message;
    progress(env, `  error: ${error}`);
  }
  const results = await flows.done;
  await conns.stop();
  const moves = connectionMoves(readFileOr(conns.file));
  body.notes.push(`${moves.moved} flow(s) were active on more than one L4 node within 10 s (moved by ECMP), ${moves.split} of them sent to different L7 nodes by those L4 nodes${moves.examples.length > 0 ? `: ${moves.examples.join('; ')}` : ''} (${conns.file.split('/').pop() ?? ''})`);
  routesDuring.stop();
  const moved = vipChanges(routesDuring.events(), env.topology.vips, monitoredFrom);
  const rel = (t: number): string => `${((t - (body.actionAt ?? monitoredFrom)) / 1000).toFixed(2)} s`;
  body.notes.push(moved ? `the routers' VIP routes changed ${moved.count} time(s) while the flows ran, from ${rel(moved.first)} to ${rel(moved.last)} after the action (ip -ts monitor route)` : 'the routers\' VIP routes did not change while the flows ran');
  const f = scenarioFlows(results, body.actionAt ?? Date.now(), body.held);
  progress(env, `  flows: ${f.broken} broken of ${f.inFlight} in flight (${JSON.stringify(f.byEnd)})${f.held ? `; ${f.held.by} held ${f.held.flows}, ${f.held.broken} broke` : ''}`);
  for (const r of body.reactions) progress(env, `  ${r.what}: ${r.ms === null ? 'not seen' : `${(r.ms / 1000).toFixed(2)} s`}${r.targetMs !== undefined ? ` (target ${(r.targetMs / 1000).toFixed(2)} s)` : ''}`);
  const reactionsOk = body.reactions.every((r) => r.targetMs === undefined || (r.ms !== null && r.ms <= r.targetMs));
  const good = error === undefined && f.inFlight > 0 && reactionsOk && ok(f);
  return { ...s, actions: body.actions, flows: f, reactions: body.reactions, ok: good, notes: body.notes, ...(error !== undefined ? { error } : {}) };
}

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
    const dropped = await firstHeld(60000, async () => {
      const table = await ipvsTable(env, l4);
      return table !== undefined && table.length > 0 && table.every((svc) => svc.destinations.every((d) => !addrs.includes(d.address)));
    }, 500);
    // The full site back whatever happened: the scenarios after this one start from it.
    writeNodeSite(env, l4, full);
    if (dropped === null) throw new Error(`${l4} still had ${l7} in its IPVS 60 s after its site file lost it (${l4}.agent.log says why)`);
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

/**
 * The agent's part of a route reaction, from its log: when it gave the change
 * to its speaker (the reaction), with when its turn began and when the speaker
 * had taken it; what follows is BGP through the reflectors to the routers.
 */
function agentPart(env: LabEnv, node: string, from: number, prefix: string, what: string, b: Body): void {
  const c = speakerChange(env, node, from, prefix);
  const s = (ms: number | undefined): string => (ms === undefined ? '?' : `${(ms / 1000).toFixed(2)} s`);
  b.reactions.push({
    what, ms: c ? c.speakerBegan : null,
    how: c ? `${node}'s agent log: its turn began ${s(c.turnBegan)} after the action, the speaker change began ${s(c.speakerBegan)} and the speaker had answered ${s(c.speakerDone)} after` : `no "${prefix}" line in ${node}'s agent log after the action`,
  });
}

/** Scenario 2b's flows: long enough that the joining agent's start in the busy lab kernel ends well before them. */
const JOIN_FLOW_SECONDS = 150;

const MONITOR = 'ip -ts monitor route in every router: the kernel\'s own timestamp of the first and last change to a VIP route after the action';

/** Routes: first change after `from` and the instant the tables matched `expected` (settled, polled), as reactions. */
async function routeReaction(env: LabEnv, mon: ReturnType<typeof routeMonitors>, from: number, expected: readonly string[], what: string, targetMs: number | undefined, b: Body, withinMs = 60000): Promise<boolean> {
  const matched = await firstHeld(withinMs, async () => (await routesMatch(env, expected)) !== undefined, 250);
  // A last event can trail the poll that saw the tables match by the poll's own time.
  await sleep(1000);
  const ch = vipChanges(mon.events(), env.topology.vips, from);
  b.reactions.push({ what: `${what}: first route change`, ms: ch ? ch.first - from : null, how: MONITOR });
  b.reactions.push({ what: `${what}: routes settled`, ms: ch && matched !== null ? ch.last - from : null, ...(targetMs !== undefined ? { targetMs } : {}), how: `${MONITOR}; settled = last event once every router had next hops ${expected.join(', ')} (polled)` });
  return matched !== null;
}

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
      const check = env.site.services[0]?.l7.check;
      return underLoad(env, this, load, load.seconds, async (b) => {
        b.actionAt = await editMaintenance(env, target, 'agent-check', 'echo down > /etc/lb/agent-check', b);
        const ms = await ipvsReaction(env, target, b.actionAt, (w) => w.length > 0 && w.every((x) => x === 0), 30000);
        b.reactions.push({ what: `weight 0 for ${target} in every L4 node's IPVS`, ms, how: `ipvsadm -Ln on every L4 node, polled every 200 ms plus the read (time of the read that saw it); HAProxy's monitor answers 503 at once, the L4 nodes need ${check ? `${check.fall} failed checks ${check.interval.ms} ms apart` : 'fall failed checks'}` });
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
        b.reactions.push({ what: `${target} out of every L4 node's IPVS (weight 0)`, ms, ...(check ? { targetMs: check.interval.ms * check.fall + 500 } : {}), how: 'ipvsadm -Ln on every L4 node, polled every 200 ms plus the read (time of the read that saw it)' });
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
];
