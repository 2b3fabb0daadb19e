// Installs one daemon's set of rendered files: stage them all in a fresh
// folder beside the targets (each written and fsynced), let the daemon's own
// checker judge the staged tree, and only then swap the changed files in as
// one step (swap.ts: renames, folder fsyncs, rollback on failure). A rejected
// set leaves the running files untouched; an unchanged set touches nothing.
import { dirname, join, resolve } from 'node:path';
import type { RenderedFile } from '../../tiers/common/files.js';
import { nodeInstallFs, type InstallFs } from './fs.js';
import { swapIn } from './swap.js';

export interface CheckVerdict {
  readonly ok: boolean;
  readonly output: string;
  /** The checker gave no verdict (it ran past its bound, or could not run): not a refusal, ask again later. */
  readonly undecided?: boolean;
}

/** Runs the daemon's checker on a staged tree laid out like the target folder. */
export type Checker = (stagedDir: string) => Promise<CheckVerdict>;

export type InstallResult =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'installed'; readonly changed: readonly string[] }
  | { readonly kind: 'rejected'; readonly output: string }
  /** The checker gave no verdict: the running files stay, and the same set is checked again at the next try. */
  | { readonly kind: 'unchecked'; readonly output: string }
  | { readonly kind: 'failed'; readonly error: Error };

/**
 * Owner read-write, group read, nothing for others: an HAProxy config may
 * hold secrets (stats credentials, later TLS paths). Every daemon still reads
 * its files, because under the agent each runs as the agent's user (root,
 * from packaging/tierlb-agent@.service) and reads them as that user:
 * - haproxy: `-W -db` with no `user`/`uid` in `global`, so the master stays
 *   root, and it re-reads haproxy.cfg itself, as root, on every reload;
 * - bird: started without `-u`/`-g` (Debian's unit passes them, the agent
 *   does not), so `birdc configure` makes a root bird re-read bird.conf;
 * - gobgpd: has no privilege drop; re-reads gobgpd.toml as root on SIGHUP;
 * - gdnsd 3: has no privilege drop of its own (it leaves that to the init
 *   system, and the agent sets no other user), so `gdnsd -R start` and
 *   `gdnsdctl reload-zones` read config and zones/* as root.
 * An agent run as another user (tests) owns the files it writes, and its
 * daemons run as that same user.
 */
export const CONFIG_FILE_MODE = 0o640;

export async function installFiles(
  targetDir: string,
  files: readonly RenderedFile[],
  check: Checker | undefined,
  fs: InstallFs = nodeInstallFs,
): Promise<InstallResult> {
  try {
    const changed = await changedFiles(fs, targetDir, files);
    if (changed.length === 0) return { kind: 'unchanged' };
    await syncNewFolders(fs, targetDir, await fs.mkdirs(targetDir));
    const work = await fs.mkdtemp(join(targetDir, '.staging-'));
    try {
      const staged = join(work, 'new');
      await writeTree(fs, staged, files);
      const verdict = check ? await check(staged) : { ok: true, output: '' };
      if (verdict.undecided) return { kind: 'unchecked', output: verdict.output };
      if (!verdict.ok) return { kind: 'rejected', output: verdict.output };
      await swapIn(fs, { target: targetDir, staged, previous: join(work, 'previous') }, changed);
      return { kind: 'installed', changed };
    } finally {
      await fs.removeTree(work);
    }
  } catch (error) {
    return { kind: 'failed', error: error as Error };
  }
}

/** A new config folder (and each new parent of it) is a new name in its parent, which must be synced too. */
async function syncNewFolders(fs: InstallFs, targetDir: string, firstCreated: string | undefined): Promise<void> {
  if (firstCreated === undefined) return;
  const above = dirname(resolve(firstCreated));
  for (let dir = resolve(targetDir); dir !== above && dir !== dirname(dir); dir = dirname(dir)) await fs.syncDir(dirname(dir));
}

async function changedFiles(fs: InstallFs, dir: string, files: readonly RenderedFile[]): Promise<string[]> {
  const changed: string[] = [];
  for (const f of files) {
    if ((await fs.readText(join(dir, f.name))) !== f.content) changed.push(f.name);
  }
  return changed;
}

async function writeTree(fs: InstallFs, dir: string, files: readonly RenderedFile[]): Promise<void> {
  for (const f of files) {
    const path = join(dir, f.name);
    await fs.mkdirs(dirname(path));
    await fs.writeSynced(path, f.content, CONFIG_FILE_MODE);
  }
}
