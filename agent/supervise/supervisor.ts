// Starts a role's daemons, restarts one that dies (with backoff), and stops
// them in reverse order. Every child is started in the foreground (no
// daemonising) so the supervisor owns it, and every child gets SIGTERM then
// SIGKILL on stop, so the agent never leaves orphans.
import { execa, type Options, type ResultPromise } from 'execa';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Clock } from '../ports/clock.js';
import { DEFAULT_BACKOFF, nextDelay, type BackoffRule } from './backoff.js';

export interface DaemonSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Grace between SIGTERM and SIGKILL on stop. */
  readonly stopTimeoutMs?: number;
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Keep serving if the agent dies (HAProxy, BIRD routers, reflectors,
   * gdnsd): the child gets its own process group, so a Ctrl-C or a signal to
   * the agent's group does not reach it, and is not killed when the agent
   * exits. stop() still stops it. A restarted agent adopts it.
   */
  readonly outlivesAgent?: boolean;
  /**
   * Arguments for every start after the first, when they must differ: e.g.
   * HAProxy adopting a previous master (`-x SOCK -sf PID`) must not signal
   * that pid again on a restart, when it may belong to another process.
   */
  readonly restartArgs?: readonly string[];
}

export type DaemonEvent =
  | { readonly kind: 'started'; readonly name: string; readonly pid: number }
  | { readonly kind: 'adopted'; readonly name: string; readonly pid: number }
  | { readonly kind: 'exited'; readonly name: string; readonly code: number | null; readonly signal: string | null; readonly restartInMs: number | null }
  | { readonly kind: 'stopped'; readonly name: string }
  | { readonly kind: 'output'; readonly name: string; readonly stream: 'stdout' | 'stderr'; readonly line: string };

interface Running {
  readonly spec: DaemonSpec;
  child?: ResultPromise;
  startedAt: number;
  delay?: number;
  stopping: boolean;
  restarts: number;
  readonly wake: AbortController;
  loop?: Promise<void>;
  /** A daemon a previous agent started, watched by pid until it is gone. */
  adopted?: AdoptedProcess;
}

interface AdoptedProcess {
  readonly pid: number;
  /** /proc/PID/stat's start time: a reused pid is another process. */
  readonly startTime: string;
}

/** How often an adopted daemon (not our child: no exit event) is looked at. */
const ADOPTED_POLL_MS = 250;

export class Supervisor {
  private readonly daemons = new Map<string, Running>();

  constructor(
    private readonly clock: Clock,
    private readonly onEvent: (e: DaemonEvent) => void,
    private readonly backoff: BackoffRule = DEFAULT_BACKOFF,
    /** Where daemons that outlive the agent write their output; without it they use pipes too. */
    private readonly logDir?: string,
  ) {
    if (logDir !== undefined) mkdirSync(logDir, { recursive: true });
  }

  /** Starts the daemon and keeps it running until stop(). Starting a running name is a no-op. */
  start(spec: DaemonSpec): void {
    if (this.daemons.has(spec.name)) return;
    const run: Running = { spec, startedAt: 0, stopping: false, restarts: 0, wake: new AbortController() };
    this.daemons.set(spec.name, run);
    run.loop = this.keepRunning(run);
  }

  /**
   * Takes over a daemon that a previous agent started and left running
   * (outlivesAgent), instead of starting a second one that would fight it
   * for its socket and port. It is not our child, so it is watched through
   * /proc; pid(), signal() and stop() act on it by pid; once it is gone,
   * `spec` is started as usual (counted as a restart). False (nothing
   * registered) when the name is taken or `pid` is not alive.
   */
  adopt(spec: DaemonSpec, pid: number): boolean {
    if (this.daemons.has(spec.name)) return false;
    const startTime = processStartTime(pid);
    if (startTime === undefined) return false;
    const run: Running = { spec, startedAt: this.clock.now(), stopping: false, restarts: 0, wake: new AbortController(), adopted: { pid, startTime } };
    this.daemons.set(spec.name, run);
    this.onEvent({ kind: 'adopted', name: spec.name, pid });
    run.loop = this.keepRunning(run);
    return true;
  }

  pid(name: string): number | undefined {
    const run = this.daemons.get(name);
    return run?.child?.pid ?? (run?.adopted && isSameProcess(run.adopted) ? run.adopted.pid : undefined);
  }

  /** Every supervised daemon, in start order, for the status report. */
  list(): { name: string; pid: number | null; restarts: number }[] {
    return [...this.daemons.values()].map((r) => ({
      name: r.spec.name,
      pid: r.child ? (r.child.exitCode === null && r.child.signalCode === null ? r.child.pid ?? null : null) : r.adopted && isSameProcess(r.adopted) ? r.adopted.pid : null,
      restarts: r.restarts,
    }));
  }

  restarts(name: string): number {
    return this.daemons.get(name)?.restarts ?? 0;
  }

  /** Sends a signal to a running daemon (SIGHUP, SIGUSR2 for reloads). */
  signal(name: string, signal: NodeJS.Signals): boolean {
    const run = this.daemons.get(name);
    if (!run?.child && run?.adopted && isSameProcess(run.adopted)) return killPid(run.adopted.pid, signal);
    const child = run?.child;
    return child?.pid !== undefined && child.kill(signal);
  }

  /**
   * Lets a running daemon end on its own without being restarted, and without
   * signalling it: for a soft stop the caller drives (HAProxy's SIGUSR1).
   * stop() afterwards removes the entry.
   */
  stopRestarting(name: string): void {
    const run = this.daemons.get(name);
    if (!run) return;
    run.stopping = true;
    run.wake.abort();
  }

  async stop(name: string): Promise<void> {
    const run = this.daemons.get(name);
    if (!run) return;
    run.stopping = true;
    run.wake.abort();
    const child = run.child;
    if (!child && run.adopted) await this.stopAdopted(run.adopted, run.spec.stopTimeoutMs ?? 5000);
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), run.spec.stopTimeoutMs ?? 5000);
      await child.catch(() => undefined);
      clearTimeout(killer);
    }
    await run.loop;
    this.daemons.delete(name);
    this.onEvent({ kind: 'stopped', name });
  }

  /** Stops every daemon, the last started first. */
  async stopAll(): Promise<void> {
    for (const name of [...this.daemons.keys()].reverse()) await this.stop(name);
  }

  /**
   * A daemon that outlives the agent must not write into a pipe the agent
   * holds: once the agent is gone, its next log line would meet EPIPE or
   * SIGPIPE. Its output goes straight to `<logDir>/<name>.log` (appended): a
   * file descriptor the child inherits, not a stream the agent copies.
   */
  private outputOf(spec: DaemonSpec): { stdout: Options['stdout']; stderr: Options['stderr']; fd?: number } {
    if (spec.outlivesAgent !== true || this.logDir === undefined) return { stdout: 'pipe', stderr: 'pipe' };
    const fd = openSync(join(this.logDir, `${spec.name}.log`), 'a', 0o640);
    // execa passes a file descriptor number through to spawn(); its types list only 3 to 9.
    const inherited = fd as unknown as Options['stdout'];
    return { stdout: inherited, stderr: inherited, fd };
  }

  /** SIGTERM, then SIGKILL after the grace, to a daemon we did not spawn (so cannot await). */
  private async stopAdopted(p: AdoptedProcess, graceMs: number): Promise<void> {
    killPid(p.pid, 'SIGTERM');
    const killAt = this.clock.now() + graceMs;
    const giveUpAt = killAt + 2000;
    let killed = false;
    while (isSameProcess(p) && this.clock.now() < giveUpAt) {
      if (!killed && this.clock.now() >= killAt) killed = killPid(p.pid, 'SIGKILL');
      await this.clock.sleep(20);
    }
  }

  private forwardOutput(name: string, stream: 'stdout' | 'stderr', from: Readable | null): void {
    if (from) createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => this.onEvent({ kind: 'output', name, stream, line }));
  }

  private async keepRunning(run: Running): Promise<void> {
    if (run.adopted) {
      while (!run.stopping && isSameProcess(run.adopted)) await this.clock.sleep(ADOPTED_POLL_MS, run.wake.signal);
      if (run.stopping) return;
      run.restarts++;
      this.onEvent({ kind: 'exited', name: run.spec.name, code: null, signal: null, restartInMs: 0 });
    }
    while (!run.stopping) {
      run.startedAt = this.clock.now();
      const args = run.restarts > 0 && run.spec.restartArgs ? run.spec.restartArgs : run.spec.args;
      const output = this.outputOf(run.spec);
      const options: Options = {
        reject: false, stdin: 'ignore', stdout: output.stdout, stderr: output.stderr, buffer: false,
        env: run.spec.env ? { ...run.spec.env } : undefined,
        // Every daemon in its own process group: a Ctrl-C or a `timeout`
        // signals the agent's group, and the agent alone must decide the
        // order of the stop (an L4 speaker signalled with the agent would drop
        // its routes without the graceful-shutdown step).
        cleanup: run.spec.outlivesAgent !== true, detached: true,
      };
      const child: ResultPromise = execa(run.spec.command, [...args], options);
      // The child has its copy of the log file descriptor now.
      if (output.fd !== undefined) closeSync(output.fd);
      run.child = child;
      this.forwardOutput(run.spec.name, 'stdout', child.stdout);
      this.forwardOutput(run.spec.name, 'stderr', child.stderr);
      if (child.pid !== undefined) this.onEvent({ kind: 'started', name: run.spec.name, pid: child.pid });
      const result = await child;
      if (run.stopping) return;
      run.delay = nextDelay(run.delay, this.clock.now() - run.startedAt, this.backoff);
      run.restarts++;
      this.onEvent({ kind: 'exited', name: run.spec.name, code: result.exitCode ?? null, signal: result.signal ?? null, restartInMs: run.delay });
      await this.clock.sleep(run.delay, run.wake.signal);
    }
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks), or undefined when the process is gone or a zombie. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields after it follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  // A zombie is dead: an adopted daemon is not our child, so we never reap it.
  if (state === undefined || state === 'Z' || state === 'X') return undefined;
  return fields[19];
}

function isSameProcess(p: AdoptedProcess): boolean {
  return processStartTime(p.pid) === p.startTime;
}

function killPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
