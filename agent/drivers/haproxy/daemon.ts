// Runs HAProxy for an L7 node without dropping a connection: master-worker in
// the foreground under the agent's supervisor, reloads through the master,
// adoption of a master a crashed agent left serving, and a soft stop.
//
// The supervisor's DaemonSpec, the runtime API and the clock appear here as
// the structural shapes this file needs; the agent's types satisfy them as
// they are.
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { HaproxyPaths } from '../../../tiers/l7/paths.js';

/** The supervisor's DaemonSpec, structurally. */
export interface HaproxyDaemonSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly stopTimeoutMs?: number;
  readonly outlivesAgent?: boolean;
}

/** HaproxyRuntime, structurally: one command, its whole answer. */
export interface HaproxyCli {
  command(line: string): Promise<string>;
}

/** The agent's Clock, structurally. */
export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const HAPROXY_DAEMON = 'haproxy';

export interface HaproxySpecOptions {
  /** Pid of a live master left by a previous agent run: take its listeners, then let it finish. */
  readonly adoptPid?: number;
  readonly binary?: string;
}

/**
 * `-W -db`: master-worker in the foreground, so the supervisor owns the master
 * and a reload (SIGUSR2) re-executes it under the same pid. No `-p`: the
 * rendered config has `pidfile`, and both at once is an ALERT in 2.6. The
 * master CLI is mode 600: it can kill and reload every process.
 *
 * Adoption: `-x` fetches the listening sockets from the old worker's admin
 * socket (`expose-fd listeners`), so no SYN meets a closed port, and `-sf`
 * sends SIGUSR1 to the old master once the new one is ready: it stops
 * listening, its workers finish their connections, then it exits.
 * Only for the first start: a restart must not signal a pid that may since
 * belong to another process (see the report on Supervisor restarts).
 */
export function haproxySpec(paths: HaproxyPaths, options: HaproxySpecOptions = {}): HaproxyDaemonSpec {
  const adopt = options.adoptPid === undefined ? [] : ['-x', paths.adminSocket, '-sf', String(options.adoptPid)];
  return {
    name: HAPROXY_DAEMON,
    command: options.binary ?? 'haproxy',
    args: ['-W', '-db', '-f', paths.config, '-S', `${paths.masterSocket},mode,600`, ...adopt],
    // SIGTERM is a hard stop: the master takes its workers down at once.
    stopTimeoutMs: 5000,
    // A crashed agent must not take the site's connections with it; the next agent adopts this master.
    outlivesAgent: true,
  };
}

/** What findRunningMaster needs from the system. */
export interface ProcessProbe {
  readText(path: string): Promise<string | undefined>;
}

export const procfsProbe: ProcessProbe = {
  readText: (path) => readFile(path, 'utf8').catch(() => undefined),
};

/** Whether `pid` is a running (not zombie) process named `comm`. */
export async function isRunningProcess(pid: number, comm: string, probe: ProcessProbe = procfsProbe): Promise<boolean> {
  const name = (await probe.readText(`/proc/${pid}/comm`))?.trim();
  const stat = await probe.readText(`/proc/${pid}/stat`);
  // The state letter follows the parenthesised name, which may itself hold spaces.
  const state = stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return name === comm && state !== undefined && state !== '' && state !== 'Z' && state !== 'X';
}

/**
 * The pid in the pid file, if that process still runs and is an HAProxy.
 * A zombie does not count: it holds no socket, and a container without a
 * reaper keeps dead masters as zombies.
 */
export async function findRunningMaster(pidFile: string, probe: ProcessProbe = procfsProbe): Promise<number | undefined> {
  const pid = Number((await probe.readText(pidFile))?.split('\n')[0]?.trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  return (await isRunningProcess(pid, 'haproxy', probe)) ? pid : undefined;
}

/** Writes a sibling temporary file and renames it over: HAProxy never reads half a state file. */
export async function atomicWriteFile(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode: 0o600 });
  await rename(tmp, path);
}

export interface ReloadDeps {
  /** Signals the master (Supervisor.signal bound to the daemon's name). */
  readonly signal: (sig: NodeJS.Signals) => boolean;
  /** Runtime API on the admin socket: answers from the current worker. */
  readonly runtime: HaproxyCli;
  /** Master CLI on the master socket: `show proc`. */
  readonly master: HaproxyCli;
  readonly stateFile: string;
  /** Rewrites the saved state for the config the new worker loads (tiers/l7/server-state.ts). */
  readonly carry: (state: string) => string;
  readonly writeFile: (path: string, content: string) => Promise<void>;
  readonly clock: Timer;
}

export type ReloadResult =
  | { readonly kind: 'reloaded'; readonly workers: readonly number[]; readonly previous: readonly number[]; readonly ms: number }
  /** HAProxy refused the new config: the old workers still serve the last good one. */
  | { readonly kind: 'rejected'; readonly ms: number }
  | { readonly kind: 'failed'; readonly stage: 'show-proc' | 'save-state' | 'signal'; readonly reason: string }
  /** No sign of the new workers yet: `before` is what the master said before the signal, for reloadProgress. */
  | { readonly kind: 'timeout'; readonly ms: number; readonly before: ShowProc; readonly last?: ShowProc };

export interface ReloadOptions {
  readonly timeoutMs?: number;
  readonly pollMs?: number;
}

const failed = (stage: 'show-proc' | 'save-state' | 'signal', reason: string): ReloadResult => ({ kind: 'failed', stage, reason });

/**
 * Saves the servers' states (drain, maint, weights set at runtime) for the
 * new worker, which reads them back (`load-server-state-from-file global`),
 * then SIGUSR2: the master re-executes, takes the listeners from the old
 * worker, forks a new one and sends the old ones SIGUSR1; they finish their
 * connections, bounded by hard-stop-after. A state that cannot be saved stops
 * the reload: reloading anyway would put drained servers back in service.
 */
export async function reloadHaproxy(deps: ReloadDeps, options: ReloadOptions = {}): Promise<ReloadResult> {
  const before = await showProc(deps.master);
  if (typeof before === 'string') return failed('show-proc', before);
  const state = await deps.runtime.command('show servers state').catch((e: unknown) => `error: ${String(e)}`);
  if (!/^1\n# be_id /.test(state)) return failed('save-state', `expected a format 1 servers state, got ${JSON.stringify(state.slice(0, 80))}`);
  const written = await deps.writeFile(deps.stateFile, deps.carry(state)).then(() => undefined, (e: unknown) => String(e));
  if (written !== undefined) return failed('save-state', written);
  const start = deps.clock.now();
  if (!deps.signal('SIGUSR2')) return failed('signal', 'the master is not running');
  return awaitReload(deps, before, start, options);
}

async function awaitReload(deps: ReloadDeps, before: ShowProc, start: number, options: ReloadOptions): Promise<ReloadResult> {
  const timeoutMs = options.timeoutMs ?? 10000;
  const pollMs = options.pollMs ?? 20;
  let last: ShowProc | undefined;
  for (let i = 0; i <= Math.ceil(timeoutMs / pollMs); i++) {
    const now = await showProc(deps.master);
    const ms = deps.clock.now() - start;
    if (typeof now !== 'string') {
      last = now;
      const judged = judgeReload(before, now, ms);
      if (judged) return judged;
    }
    if (ms >= timeoutMs) break;
    await deps.clock.sleep(pollMs);
  }
  return { kind: 'timeout', ms: deps.clock.now() - start, before, ...(last ? { last } : {}) };
}

/** What `show proc` says of the reload signalled after `before`: done, refused, or nothing yet. */
function judgeReload(before: ShowProc, now: ShowProc, ms: number): ReloadResult | undefined {
  const fresh = now.workers.filter((w) => !before.workers.includes(w));
  if (now.reloads > before.reloads && fresh.length > 0) return { kind: 'reloaded', workers: fresh, previous: before.workers, ms };
  if (now.reloads > before.reloads && now.failed > 0) return { kind: 'rejected', ms };
  return undefined;
}

/**
 * One look at a reload that timed out: a loaded master may take longer than
 * the wait to re-execute. Undefined while neither new workers nor a failure
 * show (or the master does not answer, as while it re-executes).
 */
export async function reloadProgress(master: HaproxyCli, before: ShowProc, ms: number): Promise<ReloadResult | undefined> {
  const now = await showProc(master);
  return typeof now === 'string' ? undefined : judgeReload(before, now, ms);
}

/** The parsed `show proc`, or why there is none (the master re-executing refuses connections for a moment). */
async function showProc(master: HaproxyCli): Promise<ShowProc | string> {
  const text = await master.command('show proc').catch((e: unknown) => `error: ${String(e)}`);
  return parseShowProc(text) ?? `unexpected show proc answer ${JSON.stringify(text.slice(0, 80))}`;
}

export interface SoftStopDeps {
  readonly signal: (sig: NodeJS.Signals) => boolean;
  readonly isRunning: () => Promise<boolean>;
  readonly clock: Timer;
}

export type SoftStopResult =
  | { readonly kind: 'not-running' }
  /** Every connection ended within the grace: nobody was cut off. */
  | { readonly kind: 'finished'; readonly ms: number }
  /** The grace ran out and SIGTERM closed what was left. */
  | { readonly kind: 'terminated'; readonly ms: number }
  | { readonly kind: 'stuck'; readonly ms: number };

export interface SoftStopOptions {
  readonly graceMs: number;
  readonly terminateMs?: number;
  readonly pollMs?: number;
}

/**
 * A planned stop, after the node has been taken out of rotation: SIGUSR1 makes
 * the master unbind and its workers finish their connections, then exit;
 * SIGTERM if that takes longer than the grace. The caller must keep its
 * supervisor from restarting the master meanwhile.
 */
export async function softStopHaproxy(deps: SoftStopDeps, options: SoftStopOptions): Promise<SoftStopResult> {
  const start = deps.clock.now();
  if (!(await deps.isRunning()) || !deps.signal('SIGUSR1')) return { kind: 'not-running' };
  if (await exitWithin(deps, options.graceMs, options.pollMs ?? 50)) return { kind: 'finished', ms: deps.clock.now() - start };
  deps.signal('SIGTERM');
  const ended = await exitWithin(deps, options.terminateMs ?? 5000, options.pollMs ?? 50);
  return { kind: ended ? 'terminated' : 'stuck', ms: deps.clock.now() - start };
}

async function exitWithin(deps: SoftStopDeps, ms: number, pollMs: number): Promise<boolean> {
  const end = deps.clock.now() + ms;
  for (let i = 0; i <= Math.ceil(ms / pollMs); i++) {
    if (!(await deps.isRunning())) return true;
    if (deps.clock.now() >= end) return false;
    await deps.clock.sleep(pollMs);
  }
  return !(await deps.isRunning());
}

/** The master CLI's `show proc`, reduced to what a reload is judged by. */
export interface ShowProc {
  readonly master: number;
  /** Re-executions of the master since it started, failed ones included. */
  readonly reloads: number;
  /** Failed reloads since the last good one: the master keeps the old workers. */
  readonly failed: number;
  /** Workers on the current config. */
  readonly workers: readonly number[];
  /** Workers of earlier configs, finishing their connections. */
  readonly oldWorkers: readonly number[];
}

/**
 * Parses e.g. `10484 master 2 [failed: 0] 0d00h00m26s 2.6.12`, then rows
 * under `# workers` and `# old workers` (until `# programs`).
 */
export function parseShowProc(text: string): ShowProc | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const master = /^(\d+)\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]/.exec(lines.find((l) => / master /.test(l)) ?? '');
  if (!master) return undefined;
  const section = (title: string): number[] => {
    const from = lines.indexOf(title);
    if (from < 0) return [];
    const end = lines.findIndex((l, i) => i > from && l.startsWith('#'));
    return lines.slice(from + 1, end < 0 ? undefined : end).flatMap((l) => /^(\d+)\s+worker\s/.exec(l)?.[1] ?? []).map(Number);
  };
  return {
    master: Number(master[1]),
    reloads: Number(master[2]),
    failed: Number(master[3]),
    workers: section('# workers'),
    oldWorkers: section('# old workers'),
  };
}
