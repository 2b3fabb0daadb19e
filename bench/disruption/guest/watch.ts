// What the disruption scenarios watch and touch in the running lab: the
// flows client in the users namespace and the processes of a node (to kill
// and restart them); route events and polled conditions are timed the lab's
// way (lab/guest/reaction.ts).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import type { FlowResult } from '../../flows/outcome.js';
import { nodeNamed } from '../../../site/index.js';
import { haproxyPaths } from '../../../tiers/l7/paths.js';
import { progress, run, type LabEnv } from '../../../lab/guest/env.js';
import { firstHeld, nsArgs } from '../../../lab/guest/reaction.js';

export { haproxyServers as haproxyStat, type HaproxyServer as StatRow } from '../../../lab/guest/observe.js';

export interface LabProcess { readonly pid: number; readonly argv: readonly string[] }

/** Processes whose command line matches; read from /proc (the lab's nodes share one process table). */
export function processes(match: (argv: readonly string[]) => boolean): LabProcess[] {
  const out: LabProcess[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    } catch {
      continue;
    }
    if (argv.length > 0 && match(argv)) out.push({ pid: Number(d), argv });
  }
  return out;
}

/** The node's agent (`tierlb agent ... --node NAME`), not the nsenter that started it. */
export const agentOf = (node: string) => (argv: readonly string[]): boolean =>
  argv.includes('agent') && argv[argv.indexOf('--node') + 1] === node && !argv[0]?.endsWith('nsenter') && !argv[0]?.endsWith('sh');

export const haproxyOf = (env: LabEnv, node: string) => (argv: readonly string[]): boolean => {
  const n = nodeNamed(env.site, node);
  return n !== undefined && (argv[0] ?? '').endsWith('haproxy') && argv.includes(haproxyPaths(n).config);
};

/** The daemons a node's agent supervises, by program name: their command lines name the node's own folders. */
export function daemonsOf(env: LabEnv, node: string, programs: readonly string[]): LabProcess[] {
  const n = env.topology.nodes.find((x) => x.name === node);
  if (!n) return [];
  const dirs = [n.paths.configDir, n.paths.runDir, n.paths.stateDir];
  return processes((argv) => programs.includes((argv[0] ?? '').split('/').pop() ?? '') && argv.some((a) => dirs.some((d) => a.includes(`${d}/`) || a === d)));
}

export const serverOf = (node: string) => (argv: readonly string[]): boolean =>
  argv.some((a) => a.endsWith('server.mjs')) && argv[argv.indexOf('--name') + 1] === node;

export function signal(ps: readonly LabProcess[], sig: NodeJS.Signals): void {
  for (const p of ps) {
    try {
      process.kill(p.pid, sig);
    } catch {
      // Already gone.
    }
  }
}

/** Waits until none of the processes exists, for at most `ms`; true if they all went. */
export async function gone(ps: readonly LabProcess[], ms: number): Promise<boolean> {
  return (await firstHeld(ms, () => Promise.resolve(ps.every((p) => !existsSync(`/proc/${p.pid}`))), 200)) !== null;
}

/** Starts a command line again in the node's namespaces, detached, appending to the log the lab gave it. */
export function restart(env: LabEnv, node: string, argv: readonly string[], log: string): void {
  const fd = openSync(log, 'a');
  const p = spawn('nsenter', [...nsArgs(env, node), '--', ...argv], { detached: true, stdio: ['ignore', fd, fd], cwd: '/' });
  p.unref();
  closeSync(fd);
}

/** What the flows client prints on stdout: how its flows ended, and who served them (`srv-N.via.L7-ADDRESS`). */
export interface FlowsAnswer { readonly flows: number; readonly broken: number; readonly servedBy: Readonly<Record<string, number>>; readonly error?: string }

/**
 * A few short requests from the users namespace through the bench's flows
 * client (the bench gives the lab no other users' client): one flow per
 * source, to the targets in turn; a flow answers within `idleMs` or counts
 * broken. Bounded by `timeoutMs` as a whole.
 */
export async function usersFlows(env: LabEnv, targets: readonly string[], sources: readonly string[], o: { idleMs: number; timeoutMs: number }): Promise<FlowsAnswer> {
  const args = [...nsArgs(env, 'users'), '--', env.node, env.client, ...targets.flatMap((t) => ['--target', t]), ...sources.flatMap((a) => ['--source', a]),
    '--flows', String(sources.length), '--concurrency', String(sources.length), '--idle-ms', String(o.idleMs), '--deadline-ms', String(o.timeoutMs)];
  const r = await run('nsenter', args, o.timeoutMs + 5000);
  try {
    const summary = JSON.parse(r.stdout) as FlowsAnswer;
    return { flows: summary.flows, broken: summary.broken, servedBy: summary.servedBy };
  } catch {
    return { flows: 0, broken: 0, servedBy: {}, error: `the flows client answered nothing (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-1)[0]?.slice(0, 160) ?? ''}` };
  }
}

export interface FlowsRun { readonly done: Promise<FlowResult[]>; readonly startedAt: number }

/** The flows client (bench/flows) in the users namespace, from every user address, to every target. */
export function startFlows(env: LabEnv, o: { targets: readonly string[]; flows: number; seconds: number; idleMs: number; tag: string }): FlowsRun {
  const json = `${env.logDir}/flows-${o.tag}.json`;
  const args = [...nsArgs(env, 'users'), '--', env.node, env.client,
    ...o.targets.flatMap((t) => ['--target', t]), '--sources-from-lo',
    '--flows', String(o.flows), '--concurrency', String(o.flows), '--idle-ms', String(o.idleMs),
    '--deadline-ms', String(o.seconds * 2000 + 60000), '--batch', '10', '--json', json];
  const startedAt = Date.now();
  const done = new Promise<FlowResult[]>((resolve) => {
    const p = spawn('nsenter', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let marks = '';
    p.stderr?.setEncoding('utf8');
    p.stderr?.on('data', (c: string) => { marks += c; });
    // Bounded: the client cuts its own flows at deadline + idle; this is the backstop.
    const kill = setTimeout(() => p.kill('SIGKILL'), o.seconds * 2000 + 60000 + o.idleMs + 30000);
    p.on('close', () => {
      clearTimeout(kill);
      progress(env, `  flows ${o.tag}: ${marks.trim().slice(-400)}`);
      try {
        resolve((JSON.parse(readFileSync(json, 'utf8')) as { flows: FlowResult[] }).flows);
      } catch (e) {
        progress(env, `  flows ${o.tag}: no results (${(e as Error).message})`);
        resolve([]);
      }
    });
  });
  return { done, startedAt };
}
