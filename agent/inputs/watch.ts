// Pushes file changes (maintenance files, the site file) into the agent as
// soon as inotify reports them. Watches the parent folders, not the files:
// `touch /etc/lb/disable` creates a file that did not exist, and editors
// replace files by rename, both of which a watch on the file itself misses.
import { watch, type FSWatcher } from 'chokidar';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

export interface FileWatch {
  close(): Promise<void>;
}

export async function watchFiles(paths: readonly string[], onChange: (path: string) => void): Promise<FileWatch> {
  const wanted = new Map(paths.map((p) => [resolve(p), p]));
  const dirs = [...new Set([...wanted.keys()].map((p) => dirname(p)))];
  for (const d of dirs) await mkdir(d, { recursive: true });
  const watcher: FSWatcher = watch(dirs, { depth: 0, ignoreInitial: true, atomic: false, awaitWriteFinish: false });
  watcher.on('all', (_event, path) => {
    const original = wanted.get(resolve(path));
    if (original !== undefined) onChange(original);
  });
  await new Promise<void>((ready, fail) => {
    watcher.once('ready', ready);
    watcher.once('error', fail);
  });
  return { close: () => watcher.close() };
}

export const describeWatch = (paths: readonly string[]): string => paths.map((p) => basename(p)).join(', ');
