// The one door appliers use to run a program (`ip`, `sysctl`, ...). A failed
// command is a value with its exit code and stderr, never an exception, so an
// applier can report it per operation and carry on; tests pass a fake Runner
// that keeps state instead of a real kernel.
import { execa } from 'execa';

export interface RunOptions {
  /** Written to the program's stdin. */
  readonly input?: string;
  readonly timeoutMs?: number;
}

export interface RunResult {
  /** -1 when the program did not exit by itself: not found, killed, timed out. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type Runner = (cmd: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

const DEFAULT_TIMEOUT_MS = 10000;

export const execaRunner: Runner = async (cmd, args, opts = {}) => {
  const r = await execa(cmd, [...args], {
    reject: false,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }),
  });
  const stderr = String(r.stderr);
  // Without an exit code (spawn error, signal, timeout) stderr may be empty;
  // execa's short message then says what happened.
  if (r.exitCode === undefined) return { exitCode: -1, stdout: String(r.stdout), stderr: stderr || (r.shortMessage ?? "") };
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr };
};

/** The same runner, every command run inside network namespace `ns` (`ip netns exec`). */
export function netnsRunner(ns: string, inner: Runner = execaRunner): Runner {
  return (cmd, args, opts) => inner('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** `ip link add x` exited 2: RTNETLINK answers: File exists — for result and log lines. */
export function describeRun(cmd: string, args: readonly string[], r: RunResult): string {
  const detail = r.stderr.trim() || r.stdout.trim() || 'no output';
  return `${[cmd, ...args].join(' ')} exited ${r.exitCode}: ${detail}`;
}
