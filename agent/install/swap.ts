// Puts a checked set of staged files in place as one step. Each running file
// is first hard-linked aside; then every new file is renamed over its target,
// and the folders are fsynced. If any of that fails, the files already
// renamed are put back (or removed, when they are new to the set), so the
// daemon never reads half of one set and half of the other.
//
// Why a rollback and not a folder switched in by one symlink rename: the
// targets share the node's config folder with other daemons' files and with
// paths written into the rendered configs (`gdnsd -c <configDir>/gdnsd`); a
// symlink swap would change that layout under running daemons and their
// checkers. What the rollback cannot cover is the machine losing power in
// the middle of the renames: the next start renders and installs again, and
// the daemon is only reloaded after an install that finished.
import { dirname, join, resolve, sep } from 'node:path';
import type { InstallFs } from './fs.js';

export class InstallSwapError extends Error {
  constructor(
    message: string,
    /** TIERLB_INSTALL_ROLLED_BACK: the previous set is whole again. TIERLB_INSTALL_MIXED: it could not be restored. */
    readonly code: 'TIERLB_INSTALL_ROLLED_BACK' | 'TIERLB_INSTALL_MIXED',
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'InstallSwapError';
  }
}

export interface SwapFolders {
  readonly target: string;
  /** Holds the new files, laid out like `target`. */
  readonly staged: string;
  /** An empty folder on the same filesystem, for the links to the running files. */
  readonly previous: string;
}

/** Renames `names` from `staged` into `target`; on failure restores the set and throws InstallSwapError. */
export async function swapIn(fs: InstallFs, folders: SwapFolders, names: readonly string[]): Promise<void> {
  const kept = new Set<string>();
  for (const name of names) {
    await fs.mkdirs(dirname(join(folders.previous, name)));
    await fs.mkdirs(dirname(join(folders.target, name)));
    if (await linkAside(fs, join(folders.target, name), join(folders.previous, name))) kept.add(name);
  }
  const renamed: string[] = [];
  try {
    for (const name of names) {
      await fs.rename(join(folders.staged, name), join(folders.target, name));
      renamed.push(name);
    }
    for (const dir of foldersToSync(folders.target, names)) await fs.syncDir(dir);
  } catch (error) {
    const failed = await rollBack(fs, folders, renamed, kept);
    const what = `installing ${names.join(', ')} in ${folders.target}: ${String(error)}`;
    if (failed.length > 0) {
      throw new InstallSwapError(`${what}; could not restore ${failed.join(', ')}: the folder holds a mixed set until the next install`, 'TIERLB_INSTALL_MIXED', { cause: error });
    }
    throw new InstallSwapError(`${what}; the previous files are back in place`, 'TIERLB_INSTALL_ROLLED_BACK', { cause: error });
  }
}

/** True when a running file was there to keep. */
async function linkAside(fs: InstallFs, path: string, aside: string): Promise<boolean> {
  try {
    await fs.link(path, aside);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Undoes the renames, last first; returns the names it could not restore. */
async function rollBack(fs: InstallFs, folders: SwapFolders, renamed: readonly string[], kept: ReadonlySet<string>): Promise<string[]> {
  const failed: string[] = [];
  for (const name of [...renamed].reverse()) {
    const target = join(folders.target, name);
    try {
      if (kept.has(name)) await fs.rename(join(folders.previous, name), target);
      else await fs.unlink(target);
    } catch {
      failed.push(name);
    }
  }
  for (const dir of foldersToSync(folders.target, renamed)) await fs.syncDir(dir).catch(() => undefined);
  return failed;
}

/** Every folder from each file's own up to `target`: new names, and new sub-folders, live in them. */
function foldersToSync(target: string, names: readonly string[]): string[] {
  const root = resolve(target);
  const dirs = new Set<string>([root]);
  for (const name of names) {
    for (let dir = dirname(resolve(root, name)); dir.startsWith(root + sep); dir = dirname(dir)) dirs.add(dir);
  }
  return [...dirs].sort();
}
