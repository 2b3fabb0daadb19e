// The real Runner (tiers/common/runner.ts): programs run through Node's own
// child_process. Not execa: its option handling and stream plumbing cost
// about twice the CPU of a plain execFile per run, and an agent runs `ip` and
// `sysctl` on every turn (measured in the one-CPU lab kernel: 19-28 ms
// against 10-12 ms of the agent's CPU for `sysctl -n`).
import { execFile, type ExecFileException } from 'node:child_process';
import type { Runner, RunResult } from '../../../tiers/common/runner.js';

const DEFAULT_TIMEOUT_MS = 10000;
/** Output beyond this is not an answer the appliers read (`ip -j address show` of a busy node is a few hundred KiB). */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const FORCE_KILL_AFTER_MS = 5000;

export const processRunner: Runner = (cmd, args, opts = {}) => new Promise<RunResult>((resolve) => {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const child = execFile(cmd, [...args], { timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' }, (err, stdout, stderr) => {
    clearTimeout(kill);
    resolve(resultOf(err, stdout, stderr, [cmd, ...args].join(' '), timeoutMs));
  });
  // A program that ignores the SIGTERM of the timeout is killed a little later.
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + FORCE_KILL_AFTER_MS);
  if (opts.input === undefined) child.stdin?.end();
  else child.stdin?.end(opts.input);
  // A program that exits before reading its input closes the pipe under us: its exit status says what happened.
  child.stdin?.on('error', () => undefined);
});

/** Output without its final newline, as the parsers expect; a failure without an exit code says why in stderr. */
function resultOf(err: ExecFileException | null, stdout: string, stderr: string, command: string, timeoutMs: number): RunResult {
  const out = stripFinalNewline(stdout);
  const errText = stripFinalNewline(stderr);
  if (!err) return { exitCode: 0, stdout: out, stderr: errText };
  if (typeof err.code === 'number') return { exitCode: err.code, stdout: out, stderr: errText };
  const why = err.killed && (err.signal === 'SIGTERM' || err.signal === 'SIGKILL')
    ? `Command timed out after ${timeoutMs} milliseconds: ${command}`
    : err.code === 'ENOENT' ? `Command failed with ENOENT: ${command}\nspawn ${command.split(' ')[0] ?? ''} ENOENT`
      : err.signal ? `Command was killed with ${err.signal}: ${command}` : err.message;
  return { exitCode: -1, stdout: out, stderr: errText || why };
}

function stripFinalNewline(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** The same runner, every command run inside network namespace `ns` (`ip netns exec`). */
export function netnsRunner(ns: string, inner: Runner = processRunner): Runner {
  return (cmd, args, opts) => inner('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}
