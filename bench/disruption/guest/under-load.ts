// What every disruption scenario shares: a steady state to start from,
// hundreds of slow downloads from the users to every VIP, the action while
// they are open, then what broke and how long each tier took to react, from
// the lab's own clocks. The scenarios themselves are in scenarios.ts (and
// edits.ts for live site edits).
import { appendFileSync, readFileSync } from 'node:fs';
import { nodesWithRole, nodeNamed, servicesOnL7, type SiteNode } from '../../../site/index.js';
import { slowTargets } from '../../../lab/guest/slow-targets.js';
import { routesMatch } from '../../../lab/guest/bringup.js';
import { firstHeld, ipvsTaken, l7WeightsOn, operatorEdit, routeMonitors, routesSettled, type RouteMonitors } from '../../../lab/guest/reaction.js';
import { inNode, progress, sleep, type LabEnv } from '../../../lab/guest/env.js';
import type { FlowResult } from '../../flows/outcome.js';
import { connectionMoves } from '../conn-moves.js';
import { scenarioFlows } from '../in-flight.js';
import type { Reaction, ScenarioFlows, ScenarioResult } from '../result.js';
import { vipChanges } from '../../../lab/guest/route-events.js';
import { speakerChange } from '../../../lab/guest/agent-log.js';
import { haproxyStat, startFlows } from './watch.js';

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
  /** One row, or one per step (site edits); `partial` gets each row as soon as it is measured, so a run cut short keeps it. */
  run(env: LabEnv, load: LoadOptions, partial?: (r: ScenarioResult) => void): Promise<ScenarioResult | readonly ScenarioResult[]>;
}

/** What a row of the results says about itself before it is measured. */
export type RowHead = Pick<ScenarioResult, 'id' | 'name' | 'kind' | 'scenario'>;

export const names = (nodes: readonly SiteNode[]): string[] => nodes.map((n) => n.name);
export const l4Names = (env: LabEnv): string[] => names(nodesWithRole(env.site, 'l4'));
export const addressesOf = (env: LabEnv, node: string): string[] => {
  const n = nodeNamed(env.site, node);
  return n ? [n.addresses.ipv4, n.addresses.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined) : [];
};

export { slowTargets };

export async function sh(env: LabEnv, node: string, command: string, actions: string[]): Promise<void> {
  actions.push(`${node}# ${command}`);
  progress(env, `  ${node}# ${command}`);
  const r = await inNode(env, node, 'sh', ['-c', command]);
  if (r.code !== 0) throw new Error(`${node}# ${command}: exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
}

/** An operator's edit of a maintenance file, timed the lab's way (operatorEdit): the instant the kernel stamped it. */
export async function editMaintenance(env: LabEnv, node: string, file: string, command: string, b: Body): Promise<number> {
  b.actions.push(`${node}# ${command}`);
  const e = await operatorEdit(env, node, file, command);
  b.notes.push(`${node}# ${command}: the command took ${(e.commandMs / 1000).toFixed(2)} s in the lab kernel; reactions count from the change's own time stamp, ${(e.stampMs / 1000).toFixed(2)} s after it started`);
  return e.at;
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


export async function l7Weights(env: LabEnv, l7: string): Promise<{ node: string; weights: number[] }[]> {
  return Promise.all(l4Names(env).map(async (n) => ({ node: n, weights: await l7WeightsOn(env, n, l7) })));
}

/** An L7 node's weights over every IPVS service: all 0 (drained or out), or all above 0 (weighted); none listed is neither. */
export const noWeight = (w: readonly number[]): boolean => w.length > 0 && w.every((x) => x === 0);
export const allWeighted = (w: readonly number[]): boolean => w.length > 0 && w.every((x) => x > 0);

/** Time from `at` until every L4 node's IPVS holds `cond` for the L7 node's weights, timed the lab's way (ipvsTaken): the slowest node's write. */
export async function ipvsReaction(env: LabEnv, l7: string, at: number, cond: (weights: number[]) => boolean, ms: number): Promise<number | null> {
  return (await ipvsTaken(env, l7, at, cond, ms)).ms;
}

/** L7 nodes that serve at least one service: an L7 node the site declares and no service lists carries nothing. */
export const servingL7 = (env: LabEnv): string[] => names(nodesWithRole(env.site, 'l7').filter((n) => servicesOnL7(env.site, n.name).length > 0));

/**
 * The steady state every scenario starts from: every L4 node in every
 * router's routes, every serving L7 node (or those of `l7`) weighted on every
 * L4 node, every server UP.
 */
export async function steady(env: LabEnv, ms = 180000, l7: readonly string[] = servingL7(env)): Promise<{ ok: boolean; detail: string }> {
  const l4 = l4Names(env);
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

export interface Body {
  readonly actions: string[];
  readonly reactions: Reaction[];
  readonly notes: string[];
  /** The instant of the action the flows are judged against. */
  actionAt?: number;
  held?: { by: string; holds: (r: FlowResult) => boolean };
  /** A second action taken while the flows may still run (the edits' disable): the broken flows that ended after it are told apart. */
  followUp?: { what: string; at: number };
}

/**
 * Starts the flows, lets them open, runs the action, waits for the flows; the
 * result with the targets judged. The flows go to every VIP and port of
 * `env`'s site, or to `o.targets`.
 */
export async function underLoad(env: LabEnv, s: RowHead, load: LoadOptions, seconds: number, act: (b: Body) => Promise<void>, ok: (f: ScenarioFlows) => boolean, prepare?: (b: Body) => Promise<void>, o: { readonly targets?: readonly string[] } = {}): Promise<ScenarioResult> {
  const head: RowHead = { id: s.id, name: s.name, kind: s.kind, ...(s.scenario !== undefined ? { scenario: s.scenario } : {}) };
  progress(env, `scenario ${s.id}: ${s.name}`);
  const st = await steady(env);
  if (!st.ok) return { ...head, actions: [], flows: null, reactions: [], ok: false, notes: [], error: `no steady state to start from within 180 s: ${st.detail}` };
  const body: Body = { actions: [], reactions: [], notes: [] };
  try {
    await prepare?.(body);
  } catch (e) {
    return { ...head, actions: body.actions, flows: null, reactions: [], ok: false, notes: body.notes, error: `before the flows: ${(e as Error).message}` };
  }
  const flows = startFlows(env, { targets: o.targets ?? slowTargets(env, seconds), flows: load.flows, seconds, idleMs: load.idleMs, tag: `scenario-${s.id}` });
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
  const f = scenarioFlows(results, body.actionAt ?? Date.now(), body.held, body.followUp);
  progress(env, `  flows: ${f.broken} broken of ${f.inFlight} in flight (${JSON.stringify(f.byEnd)})${f.held ? `; ${f.held.by} held ${f.held.flows}, ${f.held.broken} broke` : ''}${f.followUp ? `; ${f.followUp.broken} after ${f.followUp.what}` : ''}`);
  for (const r of body.reactions) progress(env, `  ${r.what}: ${r.ms === null ? 'not seen' : `${(r.ms / 1000).toFixed(2)} s`}${r.targetMs !== undefined ? ` (target ${(r.targetMs / 1000).toFixed(2)} s)` : ''}`);
  const reactionsOk = body.reactions.every((r) => r.targetMs === undefined || (r.ms !== null && r.ms <= r.targetMs));
  const good = error === undefined && f.inFlight > 0 && reactionsOk && ok(f);
  return { ...head, actions: body.actions, flows: f, reactions: body.reactions, ok: good, notes: body.notes, ...(error !== undefined ? { error } : {}) };
}

/**
 * The agent's part of a route reaction, from its log: when it gave the change
 * to its speaker (the reaction), with when its turn began and when the speaker
 * had taken it; what follows is BGP through the reflectors to the routers.
 */
export function agentPart(env: LabEnv, node: string, from: number, prefix: string, what: string, b: Body): void {
  const c = speakerChange(env, node, from, prefix);
  const s = (ms: number | undefined): string => (ms === undefined ? '?' : `${(ms / 1000).toFixed(2)} s`);
  b.reactions.push({
    what, ms: c ? c.speakerBegan : null,
    how: c ? `${node}'s agent log: its turn began ${s(c.turnBegan)} after the action, the speaker change began ${s(c.speakerBegan)} and the speaker had answered ${s(c.speakerDone)} after` : `no "${prefix}" line in ${node}'s agent log after the action`,
  });
}

const MONITOR = 'ip -ts monitor route in every router: the kernel\'s own timestamp of the first and last change to a VIP route after the action';

/** Routes: first change after `from` and the instant the tables matched `expected` (settled), as reactions, timed the lab's way (routesSettled). */
export async function routeReaction(env: LabEnv, mon: RouteMonitors, from: number, expected: readonly string[], what: string, targetMs: number | undefined, b: Body, withinMs = 60000): Promise<boolean> {
  const r = await routesSettled(env, mon, from, expected, withinMs);
  b.reactions.push({ what: `${what}: first route change`, ms: r.firstMs, how: MONITOR });
  b.reactions.push({ what: `${what}: routes settled`, ms: r.settledMs, ...(targetMs !== undefined ? { targetMs } : {}), how: `${MONITOR}; settled = last event once every router had next hops ${expected.join(', ')} (polled)` });
  return r.settledMs !== null;
}
