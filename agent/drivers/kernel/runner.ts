// The real Runner (tiers/common/runner.ts): programs run through execa.
import { execa } from 'execa';
import type { Runner } from '../../../tiers/common/runner.js';

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
