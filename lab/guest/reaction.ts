// How the lab's checks and the benches time a reaction, one method for both:
// an operator's action counts from the instant the kernel stamped it (the
// maintenance file's change time, not the shell that made it, which alone
// takes up to seconds in the busy lab kernel), and the routers' side ends at
// their kernels' own timestamps of the route changes (`ip -ts monitor
// route`), polled only to know when the tables have settled.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { nodeNamed, nodesWithRole } from '../../site/index.js';
import { agentLines } from './agent-log.js';
import { routesMatch } from './bringup.js';
import { inNode, progress, sleep, type LabEnv } from './env.js';
import type { KernelService } from '../../tiers/l4/kernel.js';
import { ipvsTable, nodeOfAddress } from './observe.js';
import { hopsSince, parseRouteEvents, vipChanges, type RouteEvent } from './route-events.js';

/** nsenter's arguments for a node's network namespace, and its mount namespace when it has one. */
export function nsArgs(env: LabEnv, node: string): string[] {
  const mnt = `${env.stateDir}/mnt/${node}`;
  return [`--net=/run/netns/${env.prefix}${node}`, ...(existsSync(mnt) ? [`--mount=${mnt}`] : [])];
}

/**
 * Polls `probe` until it holds, for at most `ms`; the instant is when the
 * read that saw it started (the change happened before; the poll period
 * bounds the error), or null when it never held.
 */
export async function firstHeld(ms: number, probe: () => Promise<boolean>, everyMs = 200): Promise<number | null> {
  const start = Date.now();
  for (let i = 0; i < 100000 && Date.now() - start <= ms; i++) {
    const at = Date.now();
    if (await probe()) return at;
    await sleep(everyMs);
  }
  return null;
}

export interface RouteMonitors {
  events(): RouteEvent[];
  stop(): void;
}

/** `ip -ts monitor route` in every router, from now until stop(); each event names its router. */
export function routeMonitors(env: LabEnv): RouteMonitors {
  const out = new Map<string, string[]>();
  const procs: ChildProcess[] = nodesWithRole(env.site, 'router').map((rt) => {
    const lines: string[] = [];
    out.set(rt.name, lines);
    const p = spawn('nsenter', [...nsArgs(env, rt.name), '--', 'ip', '-ts', 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.stdout?.setEncoding('utf8');
    let partial = '';
    p.stdout?.on('data', (c: string) => {
      const parts = (partial + c).split('\n');
      partial = parts.pop() ?? '';
      // Bounded: a run sees some thousands of route changes at most.
      if (lines.length < 500000) lines.push(...parts);
    });
    return p;
  });
  return {
    events: () => [...out].flatMap(([router, lines]) => parseRouteEvents(lines.join('\n'), router)),
    stop: () => { for (const p of procs) p.kill('SIGTERM'); },
  };
}

export interface OperatorEdit {
  /** The kernel's stamp of the change: the file's mtime, or its folder's for a removal. */
  readonly at: number;
  /** How long the command itself took, from its start. */
  readonly commandMs: number;
  /** The stamp, from the command's start. */
  readonly stampMs: number;
}

/**
 * An operator's command in a node that changes one file in its /etc/lb, and
 * the instant of the change. A stamp outside the command's own span is not
 * this edit's: the command's start counts then. Throws when the command fails.
 */
export async function operatorEdit(env: LabEnv, node: string, file: string, command: string): Promise<OperatorEdit> {
  const started = Date.now();
  progress(env, `  ${node}# ${command}`);
  const r = await inNode(env, node, 'sh', ['-c', command]);
  if (r.code !== 0) throw new Error(`${node}# ${command}: exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
  const ended = Date.now();
  const dir = `${env.stateDir}/nodes/${node}/etc-lb`;
  let at: number;
  try {
    at = statSync(`${dir}/${file}`).mtimeMs;
  } catch {
    at = statSync(dir).mtimeMs;
  }
  if (!(at >= started - 50 && at <= ended + 50)) at = started;
  return { at, commandMs: ended - started, stampMs: at - started };
}

export interface RoutesSettled {
  /** The first change to a VIP route after the action, from the action (router's kernel stamp). */
  readonly firstMs: number | null;
  /** The last change once every router had exactly `expected` as next hops, from the action; null if they never did. */
  readonly settledMs: number | null;
}

/**
 * Waits (at most `withinMs`) until every router routes every VIP through
 * `expected`, as their monitors tell it (read in this process, no command
 * run: polling the routers with `ip route` every few hundred ms would take
 * the CPU the agents react with), then confirms it with one read of each
 * router's table. The reaction ends at the last change the kernels stamped.
 */
export async function routesSettled(env: LabEnv, mon: RouteMonitors, from: number, expected: readonly string[], withinMs = 60000): Promise<RoutesSettled> {
  const want = [...expected].sort().join(' ');
  const routers = nodesWithRole(env.site, 'router').map((n) => n.name);
  const told = (): boolean => {
    const state = hopsSince(mon.events(), env.topology.vips, from);
    return routers.every((rt) => env.topology.vips.every((vip) => (state.get(rt)?.get(vip) ?? ['?']).map((h) => nodeOfAddress(env, h)).sort().join(' ') === want));
  };
  let matched = await firstHeld(withinMs, () => Promise.resolve(told()), 50);
  // A table that did not change (or a monitor that missed it) is read instead.
  if (matched === null || (await routesMatch(env, expected)) === undefined) {
    matched = await firstHeld(Math.max(0, from + withinMs - Date.now()), async () => (await routesMatch(env, expected)) !== undefined, 500);
  }
  const ch = vipChanges(mon.events(), env.topology.vips, from);
  return { firstMs: ch ? ch.first - from : null, settledMs: ch && matched !== null ? ch.last - from : null };
}

/** The weights an L4 node gives an L7 node, over every IPVS service; an absent destination gives none. */
/** The weights `l4` gives `l7`, in the IPVS services `only` keeps (every one by default). */
export async function l7WeightsOn(env: LabEnv, l4: string, l7: string, only: (svc: KernelService) => boolean = () => true): Promise<number[]> {
  const n = nodeNamed(env.site, l7);
  const addrs: string[] = n ? [n.addresses.ipv4, n.addresses.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined) : [];
  const table = (await ipvsTable(env, l4)) ?? [];
  return table.filter(only).flatMap((svc) => svc.destinations.filter((d) => addrs.includes(d.address)).map((d) => d.weight));
}

export interface IpvsTaken {
  /** From the action to the slowest L4 node's write; null when some L4 node never showed it. */
  readonly ms: number | null;
  /** Each L4 node's write, from the action. */
  readonly perL4: ReadonlyMap<string, number | null>;
}

/**
 * The time each L4 node wrote the L7 node's new weights into IPVS, from the
 * action: its agent's first `IPVS: applied` after it (the kernel acknowledged
 * the write then), read from the logs as they grow, then confirmed with one
 * `ipvsadm` read per L4 node that `holds`. A node whose table does not show
 * it yet is polled every 500 ms (at most `withinMs`) and timed by the poll.
 */
export async function ipvsTaken(env: LabEnv, l7: string, from: number, holds: (weights: number[]) => boolean, withinMs = 30000, only?: (svc: KernelService) => boolean): Promise<IpvsTaken> {
  const l4 = nodesWithRole(env.site, 'l4').map((n) => n.name);
  const perL4 = new Map<string, number | null>();
  await Promise.all(l4.map(async (n) => {
    const at = await appliedWhen(env, n, from, withinMs, async () => holds(await l7WeightsOn(env, n, l7, only)));
    perL4.set(n, at === null ? null : at - from);
  }));
  const all = l4.map((n) => perL4.get(n) ?? null);
  return { ms: all.some((v) => v === null) ? null : Math.max(...(all as number[])), perL4 };
}

/** How often a node's table is read while waiting for a weight: the bracket around the write the agent logged. */
const TABLE_READ_MS = 250;

/**
 * When `node`'s agent wrote what makes `holds` true: the first IPVS write it
 * logged after the last read that did not hold and before the first that
 * did (a write before that bracket was another change); the read itself
 * when no write was logged in it. Null when it never held within `withinMs`.
 */
async function appliedWhen(env: LabEnv, node: string, from: number, withinMs: number, holds: () => Promise<boolean>): Promise<number | null> {
  let notYet = from;
  for (let i = 0; i < 100000 && Date.now() - from <= withinMs; i++) {
    const readAt = Date.now();
    if (await holds()) {
      const wrote = agentLines(env, node, notYet).find((l) => l.msg.startsWith('IPVS: applied') && l.at <= readAt);
      return wrote?.at ?? readAt;
    }
    notYet = readAt;
    await sleep(TABLE_READ_MS);
  }
  return null;
}
