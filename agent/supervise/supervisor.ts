// Starts a role's daemons, restarts one that dies (with backoff), and stops
// them in reverse order. Every child is started in the foreground (no
// daemonising) so the supervisor owns it, and every child gets SIGTERM then
// SIGKILL on stop, so the agent never leaves orphans.
import { execa, type Options, type ResultPromise } from 'execa';
import { closeSync, mkdirSync, openSync } from 'node:fs';
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
}

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

  pid(name: string): number | undefined {
    return this.daemons.get(name)?.child?.pid;
  }

  /** Every supervised daemon, in start order, for the status report. */
  list(): { name: string; pid: number | null; restarts: number }[] {
    return [...this.daemons.values()].map((r) => ({ name: r.spec.name, pid: r.child?.exitCode === null ? r.child.pid ?? null : null, restarts: r.restarts }));
  }

  restarts(name: string): number {
    return this.daemons.get(name)?.restarts ?? 0;
  }

  /** Sends a signal to a running daemon (SIGHUP, SIGUSR2 for reloads). */
  signal(name: string, signal: NodeJS.Signals): boolean {
    const child = this.daemons.get(name)?.child;
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

  private forwardOutput(name: string, stream: 'stdout' | 'stderr', from: Readable | null): void {
    if (from) createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => this.onEvent({ kind: 'output', name, stream, line }));
  }

  private async keepRunning(run: Running): Promise<void> {
    while (!run.stopping) {
      run.startedAt = this.clock.now();
      const args = run.restarts > 0 && run.spec.restartArgs ? run.spec.restartArgs : run.spec.args;
      const output = this.outputOf(run.spec);
      const options: Options = {
        reject: false, stdin: 'ignore', stdout: output.stdout, stderr: output.stderr, buffer: false,
        env: run.spec.env ? { ...run.spec.env } : undefined,
        cleanup: run.spec.outlivesAgent !== true, detached: run.spec.outlivesAgent === true,
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
