// The daemons' own config checkers, by daemon, as commands over a staged
// folder laid out like the node's config folder. The agent runs them before
// installing; the tests run the same ones on every rendered node. What a
// checker prints, on stdout or stderr, is its reason for a refusal and goes
// to the log whole: no quiet flags (`haproxy -c -q` refuses in silence).
import { execa } from 'execa';
import { join } from 'node:path';
import type { Daemon } from '../../tiers/common/files.js';
import type { CheckVerdict, Checker } from './install.js';

/** The checker command for a daemon's files in `dir`, or undefined when the daemon has none. */
export function checkerCommand(daemon: Daemon, dir: string): [string, string[]] | undefined {
  switch (daemon) {
    case 'haproxy':
      return ['haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')]];
    case 'bird':
      return ['bird', ['-p', '-c', join(dir, 'bird.conf')]];
    case 'bird-bfd':
      return ['bird', ['-p', '-c', join(dir, 'bird-bfd.conf')]];
    case 'gobgpd':
      return ['gobgpd', ['-d', '-f', join(dir, 'gobgpd.toml')]];
    case 'gdnsd':
      return ['gdnsd', ['-c', join(dir, 'gdnsd'), 'checkconf']];
    case 'ipvs':
    case 'kernel':
      // ipvs.rules comes from a typed plan and is applied as a diff; sysctl
      // and link operations are checked by the kernel when applied.
      return undefined;
  }
}

const CHECK_TIMEOUT_MS = 30_000;

export function daemonChecker(daemon: Daemon, timeoutMs = CHECK_TIMEOUT_MS): Checker | undefined {
  return async (dir: string): Promise<CheckVerdict> => {
    const cmd = checkerCommand(daemon, dir);
    if (!cmd) return { ok: true, output: '' };
    // `all`: stdout and stderr interleaved as printed (haproxy and bird write to stderr, gobgpd its JSON log to stdout).
    const r = await execa(cmd[0], cmd[1], { reject: false, all: true, timeout: timeoutMs });
    const printed = (r.all ?? '').trim();
    // A checker that ran past its bound (a starved host) or could not run said nothing about the config.
    if (r.timedOut) return { ok: false, undecided: true, output: `${cmd[0]} did not finish within ${timeoutMs} ms${printed ? `: ${printed}` : ''}` };
    if (r.exitCode === undefined) return { ok: false, undecided: true, output: `${cmd[0]} could not run: ${r.shortMessage}` };
    if (r.exitCode === 0) return { ok: true, output: printed };
    return { ok: false, output: printed || `${cmd[0]} ${cmd[1].join(' ')} exited with ${r.exitCode} and printed nothing` };
  };
}
