// The file operations an install performs, as a port: the real one below,
// and in tests one that fails a chosen step (the second rename of a set) to
// show that a failure never leaves a mixed set.
import { link, mkdir, mkdtemp, open, readFile, rename, rm, unlink } from 'node:fs/promises';

export interface InstallFs {
  /** The file's text, or undefined when it is missing or unreadable. */
  readText(path: string): Promise<string | undefined>;
  /** Creates `path` and its parents; returns the first folder it created, if any. */
  mkdirs(path: string): Promise<string | undefined>;
  mkdtemp(prefix: string): Promise<string>;
  /** Creates `path` (it must not exist) with exactly `mode`, and fsyncs it before returning. */
  writeSynced(path: string, content: string, mode: number): Promise<void>;
  link(existing: string, path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  removeTree(path: string): Promise<void>;
  /** fsyncs a folder, so the names renamed into it survive a crash. */
  syncDir(path: string): Promise<void>;
}

export const nodeInstallFs: InstallFs = {
  readText: (path) => readFile(path, 'utf8').catch(() => undefined),
  mkdirs: (path) => mkdir(path, { recursive: true }),
  mkdtemp: (prefix) => mkdtemp(prefix),
  async writeSynced(path, content, mode) {
    const handle = await open(path, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      // open's mode passes through the umask; the file gets exactly `mode`.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  link: (existing, path) => link(existing, path),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  removeTree: (path) => rm(path, { recursive: true, force: true }),
  async syncDir(path) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
