// Installs one daemon's rendered files for a role, the same way for every
// role: the daemon's checker judges the staged set, a refused set leaves the
// running files in place, and the outcome is logged and counted. The caller
// reloads the daemon only on `installed`.
import type { Daemon, RenderedFile } from '../../tiers/common/files.js';
import { daemonChecker } from '../install/checkers.js';
import { installFiles, type Checker, type InstallResult } from '../install/install.js';
import type { Logger } from '../observe/log.js';
import type { Metrics } from '../observe/metrics.js';

export interface DaemonFilesDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Defaults to the daemon's own checker; tests pass a fake. */
  readonly checker?: Checker;
}

/**
 * Installs `files` (every one must belong to `daemon`) under `dir`.
 * `rejected`, `unchecked` and `failed` are reported here; the running daemon
 * keeps the files it has.
 */
export async function installDaemonFiles(deps: DaemonFilesDeps, dir: string, daemon: Daemon, files: readonly RenderedFile[]): Promise<InstallResult> {
  const foreign = files.filter((f) => f.daemon !== daemon).map((f) => f.name);
  if (foreign.length > 0) return { kind: 'failed', error: new Error(`expected only ${daemon} files, got ${foreign.join(', ')}`) };
  const result = await installFiles(dir, files, deps.checker ?? daemonChecker(daemon));
  switch (result.kind) {
    case 'unchanged':
      break;
    case 'installed':
      deps.log.info({ daemon, dir, changed: result.changed }, `installed ${daemon} config`);
      break;
    case 'rejected':
      deps.metrics.configRejected.inc({ stage: 'checker' });
      deps.metrics.reloads.inc({ daemon, result: 'rejected' });
      deps.log.error({ daemon, dir, output: result.output }, `${daemon} checker refused the new config; the running one stays`);
      break;
    case 'unchecked':
      deps.metrics.reloads.inc({ daemon, result: 'unchecked' });
      deps.log.warn({ daemon, dir, output: result.output }, `${daemon} checker gave no verdict on the new config; the running one stays and the check is tried again`);
      break;
    case 'failed':
      deps.metrics.reloads.inc({ daemon, result: 'failed' });
      deps.log.error({ daemon, dir, err: result.error }, `could not install ${daemon} config`);
      break;
  }
  return result;
}

/** The files of `daemon` among a node's rendered files. */
export function filesOf(files: readonly RenderedFile[], daemon: Daemon): RenderedFile[] {
  return files.filter((f) => f.daemon === daemon);
}
