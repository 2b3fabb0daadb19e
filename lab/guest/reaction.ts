// How the lab's checks and the benches time a reaction, one method for both:
// an operator's action counts from the instant the kernel stamped it (the
// maintenance file's change time, not the shell that made it, which alone
// takes up to seconds in the busy lab kernel), and the routers' side ends at
// their kernels' own timestamps of the route changes (`ip -ts monitor
// route`), polled only to know when the tables have settled.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { nodeNamed, nodesWithRole } from '../../site/index.js';
import { firstLogged } from './agent-log.js';
import { routesMatch } from './bringup.js';
import { inNode, progress, sleep, type LabEnv } from './env.js';
import { ipvsTable } from './observe.js';
import { parseRouteEvents, vipChanges, type RouteEvent } from './route-events.js';

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

/** `ip -ts monitor route` in every router, from now until stop(). */
export function routeMonitors(env: LabEnv): RouteMonitors {
  const out: string[] = [];
  const procs: ChildProcess[] = nodesWithRole(env.site, 'router').map((rt) => {
    const p = spawn('nsenter', [...nsArgs(env, rt.name), '--', 'ip', '-ts', 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.stdout?.setEncoding('utf8');
    let partial = '';
    p.stdout?.on('data', (c: string) => {
      const lines = (partial + c).split('\n');
      partial = lines.pop() ?? '';
      out.push(...lines);
    });
    return p;
  });
  return {
    events: () => parseRouteEvents(out.join('\n')),
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
 * `expected`, then reads the monitors: the reaction ends at the last change
 * the kernels stamped, not at the poll that saw it.
 */
export async function routesSettled(env: LabEnv, mon: RouteMonitors, from: number, expected: readonly string[], withinMs = 60000): Promise<RoutesSettled> {
  const matched = await firstHeld(withinMs, async () => (await routesMatch(env, expected)) !== undefined, 100);
  // The monitor's last line can trail the read that saw the tables match.
  await sleep(1000);
  const ch = vipChanges(mon.events(), env.topology.vips, from);
  return { firstMs: ch ? ch.first - from : null, settledMs: ch && matched !== null ? ch.last - from : null };
}

/** The weights an L4 node gives an L7 node, over every IPVS service; an absent destination gives none. */
export async function l7WeightsOn(env: LabEnv, l4: string, l7: string): Promise<number[]> {
  const n = nodeNamed(env.site, l7);
  const addrs: string[] = n ? [n.addresses.ipv4, n.addresses.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined) : [];
  const table = (await ipvsTable(env, l4)) ?? [];
  return table.flatMap((svc) => svc.destinations.filter((d) => addrs.includes(d.address)).map((d) => d.weight));
}

export interface IpvsTaken {
  /** From the action to the slowest L4 node's write; null when some L4 node never showed it. */
  readonly ms: number | null;
  /** Each L4 node's write, from the action. */
  readonly perL4: ReadonlyMap<string, number | null>;
}

/**
 * Waits (at most `withinMs`) until every L4 node's IPVS shows `holds` of the
 * L7 node's weights (ipvsadm, polled), then times each L4 node from its
 * agent's log: the first `IPVS: applied` after the action is the write the
 * kernel acknowledged. The poll only confirms; its period is not in the figure.
 */
export async function ipvsTaken(env: LabEnv, l7: string, from: number, holds: (weights: number[]) => boolean, withinMs = 30000): Promise<IpvsTaken> {
  const l4 = nodesWithRole(env.site, 'l4').map((n) => n.name);
  const seen = await Promise.all(l4.map((n) => firstHeld(withinMs, async () => holds(await l7WeightsOn(env, n, l7)), 200)));
  const perL4 = new Map(l4.map((n, i) => {
    if (seen[i] === null) return [n, null] as const;
    // An agent log without the line (cut short, another format) leaves the poll's time, which is later.
    return [n, (firstLogged(env, n, from, 'IPVS: applied') ?? seen[i] ?? from) - from] as const;
  }));
  const all = [...perL4.values()];
  return { ms: all.some((v) => v === null) ? null : Math.max(...(all as number[])), perL4 };
}
