// Runs the `ip` commands of one apply: one alone as itself, several as one
// `ip -force -batch -` (every line runs, each failure is reported with its
// line number), so a node that adds eight VIP addresses starts one process,
// not eight: on a loaded node each process start costs more than the kernel
// work it asks for. Every command gets its own outcome.
import { describeRun, type RunResult, type Runner } from '../../../tiers/common/runner.js';

export type IpOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** `ip` arguments as one batch line: a batch line takes no options, and `-6` is implied by the address. */
const batchLine = (args: readonly string[]): string => args.filter((a) => a !== '-6').join(' ');

export async function runIpCommands(run: (cmd: string, args: readonly string[], input?: string) => Promise<RunResult>, commands: readonly (readonly string[])[]): Promise<IpOutcome[]> {
  if (commands.length === 0) return [];
  if (commands.length === 1) {
    const args = commands[0] ?? [];
    const r = await run('ip', args);
    return [r.exitCode === 0 ? { ok: true } : { ok: false, error: describeRun('ip', args, r) }];
  }
  const r = await run('ip', ['-force', '-batch', '-'], `${commands.map(batchLine).join('\n')}\n`);
  const failures = batchFailures(r.stderr);
  // A batch that failed without naming any line (ip missing, killed) failed every command.
  const whole = r.exitCode !== 0 && failures.size === 0;
  return commands.map((args, i) => {
    const why = whole ? r.stderr.trim() || r.stdout.trim() || 'no output' : failures.get(i + 1);
    return why === undefined ? { ok: true } : { ok: false, error: `ip ${args.join(' ')} exited ${r.exitCode}: ${why}` };
  });
}

/** `ip -force -batch` stderr: each failing line's messages, then `Command failed -:N`. Line number → its messages. */
export function batchFailures(stderr: string): Map<number, string> {
  const out = new Map<number, string>();
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)$/.exec(line.trim());
    if (m) {
      out.set(Number(m[1]), pending.join('; ') || 'no message');
      pending = [];
    } else if (line.trim() !== '') {
      pending.push(line.trim());
    }
  }
  return out;
}

/** A Runner should not throw; if one does, its error becomes the commands' failure instead of ending the apply. */
export function safeRun(runner: Runner): (cmd: string, args: readonly string[], input?: string) => Promise<RunResult> {
  return async (cmd, args, input) => {
    try {
      return await runner(cmd, args, input === undefined ? undefined : { input });
    } catch (err) {
      return { exitCode: -1, stdout: '', stderr: err instanceof Error ? err.message : String(err) };
    }
  };
}
