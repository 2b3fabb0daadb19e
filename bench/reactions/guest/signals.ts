// Each signal, repeated: the action, then each hop's instant from the agents'
// logs, the reflectors' update stream and the routers' kernels (timed the
// lab's way, lab/guest/reaction.ts), each repetition from the state the one
// before left once it has settled.
import { nodesWithRole } from '../../../site/index.js';
import { agentLines, firstLogged, speakerChange } from '../../../lab/guest/agent-log.js';
import { progress, sleep, type LabEnv } from '../../../lab/guest/env.js';
import { firstHeld, ipvsTaken, l7WeightsOn, operatorEdit, routesSettled, type RouteMonitors } from '../../../lab/guest/reaction.js';
import { agentOf, haproxyOf, processes, signal } from '../../disruption/guest/watch.js';
import type { Sample, SignalId } from '../samples.js';
import type { ReflectorWatch } from './reflector-watch.js';

export interface Watches {
  readonly routes: RouteMonitors;
  readonly reflectors: ReflectorWatch;
}

const names = (env: LabEnv, role: 'l4' | 'l7'): string[] => nodesWithRole(env.site, role).map((n) => n.name);
const rel = (at: number | undefined, from: number): number | null => (at === undefined ? null : at - from);

/** A BGP reaction's hops after an edit of /etc/lb/disable at `from`. */
async function bgpHops(env: LabEnv, w: Watches, l4: string, from: number, expected: readonly string[]): Promise<Sample> {
  const routes = await routesSettled(env, w.routes, from, expected);
  const agent = speakerChange(env, l4, from, 'BGP: announce');
  return { hops: {
    'agent turn began': agent?.turnBegan ?? null,
    'speaker call began': agent?.speakerBegan ?? null,
    'first router kernel': routes.firstMs,
    'every router kernel': routes.settledMs,
    'speaker answered': agent?.speakerDone ?? null,
    'reflector got it': rel(w.reflectors.firstFrom(l4, from + (agent?.speakerBegan ?? 0)), from),
  } };
}

/** touch then rm /etc/lb/disable on the first L4 node, `reps` times; one sample each for disable and enable. */
export async function disableEnable(env: LabEnv, w: Watches, reps: number): Promise<{ disable: Sample[]; enable: Sample[]; notes: string[] }> {
  const l4 = names(env, 'l4');
  const target = l4[0] ?? 'l4-1';
  const rest = l4.filter((n) => n !== target);
  const drainMs = env.site.bgp.drainTime.ms;
  const disable: Sample[] = [];
  const enable: Sample[] = [];
  const notes: string[] = [];
  for (let i = 0; i < reps; i++) {
    const off = await operatorEdit(env, target, 'disable', 'touch /etc/lb/disable');
    disable.push(await bgpHops(env, w, target, off.at, rest));
    // The next enable starts from a withdrawn node, as an operator's would after the drain.
    const withdrawn = await firstHeld(drainMs + 15000, () => Promise.resolve(firstLogged(env, target, off.at, 'BGP: withdraw') !== undefined), 250);
    if (withdrawn === null) notes.push(`repetition ${i + 1}: ${target} had not withdrawn ${(drainMs + 15000) / 1000} s after the disable`);
    await sleep(500);
    const on = await operatorEdit(env, target, 'disable', 'rm -f /etc/lb/disable');
    enable.push(await bgpHops(env, w, target, on.at, l4));
    progress(env, `  ${i + 1}/${reps}: routers settled ${show(disable[i], 'every router kernel')} after the disable, ${show(enable[i], 'every router kernel')} after the enable`);
    await sleep(500);
  }
  return { disable, enable, notes };
}

/** A sample's figure for `hop` (its effect), for the progress lines. */
const show = (s: Sample | undefined, hop: string): string => {
  const at = s?.hops[hop];
  return at === null || at === undefined ? 'not seen' : `${Math.round(at)} ms`;
};

/** The L4 side of an L7 reaction: each L4 node's health change of `l7` and IPVS write, from `from`. */
async function l4Hops(env: LabEnv, l7: string, from: number, holds: (w: number[]) => boolean): Promise<Record<string, number | null>> {
  const ipvs = await ipvsTaken(env, l7, from, holds);
  const health = names(env, 'l4').map((n) => agentLines(env, n, from).find((l) => l.msg.startsWith(`L7 health ${l7}/`))?.at);
  const seen = health.filter((h): h is number => h !== undefined);
  return {
    'first L4 health change': seen.length > 0 ? Math.min(...seen) - from : null,
    'every L4 health change': seen.length === health.length && seen.length > 0 ? Math.max(...seen) - from : null,
    'every L4 IPVS write': ipvs.ms,
  };
}

/** An agent-check edit's hops: the L7 agent's push to HAProxy (read once the L4 side is done: it comes first), then the L4 side. */
async function l7Hops(env: LabEnv, l7: string, from: number, holds: (w: number[]) => boolean): Promise<Sample> {
  const l4 = await l4Hops(env, l7, from, holds);
  return { hops: { 'L7 agent pushed HAProxy': rel(firstLogged(env, l7, from, 'enabler state pushed'), from), ...l4 } };
}

/** echo down, then up, in the first L7 node's agent-check, `reps` times. */
export async function downUp(env: LabEnv, reps: number): Promise<{ down: Sample[]; up: Sample[] }> {
  const target = names(env, 'l7')[0] ?? 'l7-1';
  const down: Sample[] = [];
  const up: Sample[] = [];
  for (let i = 0; i < reps; i++) {
    const d = await operatorEdit(env, target, 'agent-check', 'echo down > /etc/lb/agent-check');
    down.push(await l7Hops(env, target, d.at, (w) => w.length > 0 && w.every((x) => x === 0)));
    await sleep(500);
    const u = await operatorEdit(env, target, 'agent-check', 'echo up > /etc/lb/agent-check');
    up.push(await l7Hops(env, target, u.at, (w) => w.length > 0 && w.every((x) => x > 0)));
    progress(env, `  ${i + 1}/${reps}: every L4 node's IPVS written ${show(down[i], 'every L4 IPVS write')} after down, ${show(up[i], 'every L4 IPVS write')} after up`);
    await sleep(500);
  }
  return { down, up };
}

/**
 * The second L7 node's HAProxy killed while its agent is stopped (SIGSTOP),
 * so that only the L4 nodes' checks can see it; the agent continued
 * afterwards restarts HAProxy, and the next repetition waits for its weights.
 */
export async function haproxyKilled(env: LabEnv, reps: number): Promise<{ killed: Sample[]; notes: string[] }> {
  const target = names(env, 'l7')[1] ?? 'l7-2';
  const killed: Sample[] = [];
  const notes: string[] = [];
  for (let i = 0; i < reps; i++) {
    const agent = processes(agentOf(target));
    const haproxy = processes(haproxyOf(env, target));
    if (agent.length === 0 || haproxy.length === 0) throw new Error(`${target}: ${agent.length} agent and ${haproxy.length} HAProxy processes found`);
    signal(agent, 'SIGSTOP');
    const at = Date.now();
    try {
      signal(haproxy, 'SIGKILL');
      killed.push({ hops: await l4Hops(env, target, at, (w) => w.every((x) => x === 0)) });
    } finally {
      signal(agent, 'SIGCONT');
    }
    const back = await firstHeld(90000, async () => (await Promise.all(names(env, 'l4').map((n) => l7WeightsOn(env, n, target)))).every((w) => w.length > 0 && w.every((x) => x > 0)), 500);
    if (back === null) notes.push(`repetition ${i + 1}: ${target} not weighted again 90 s after its agent continued`);
    progress(env, `  ${i + 1}/${reps}: out of every L4 node's IPVS ${show(killed[i], 'every L4 IPVS write')}; weighted again ${back === null ? 'not within 90 s' : `${((back - at) / 1000).toFixed(1)} s`} after the kill`);
    await sleep(1000);
  }
  return { killed, notes };
}

export type { SignalId };
