// The one door appliers use to run a program (`ip`, `sysctl`, ...). A failed
// command is a value with its exit code and stderr, never an exception, so an
// applier can report it per operation and carry on; tests pass a fake Runner
// that keeps state instead of a real kernel. The real runner is an effect:
// agent/drivers/kernel/runner.ts.

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

/** `ip link add x` exited 2: RTNETLINK answers: File exists — for result and log lines. */
export function describeRun(cmd: string, args: readonly string[], r: RunResult): string {
  const detail = r.stderr.trim() || r.stdout.trim() || 'no output';
  return `${[cmd, ...args].join(' ')} exited ${r.exitCode}: ${detail}`;
}
