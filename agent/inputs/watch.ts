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

/**
 * `event`: inotify said something, react now. `settled`: nothing more for
 * SETTLE_MS since. An in-place write (`echo drain > f`, `cat > site.yaml`)
 * is a truncate and a write; a read between them sees an empty file, and the
 * event of the write may be folded into the first. The settled call reads
 * what the writer finally left.
 */
export type ChangeKind = 'event' | 'settled';

export const SETTLE_MS = 150;

export async function watchFiles(paths: readonly string[], onChange: (path: string, kind: ChangeKind) => void, settleMs = SETTLE_MS): Promise<FileWatch> {
  const wanted = new Map(paths.map((p) => [resolve(p), p]));
  const dirs = [...new Set([...wanted.keys()].map((p) => dirname(p)))];
  for (const d of dirs) await mkdir(d, { recursive: true });
  const watcher: FSWatcher = watch(dirs, { depth: 0, ignoreInitial: true, atomic: false, awaitWriteFinish: false });
  const settling = new Map<string, NodeJS.Timeout>();
  watcher.on('all', (_event, path) => {
    const original = wanted.get(resolve(path));
    if (original === undefined) return;
    onChange(original, 'event');
    clearTimeout(settling.get(original));
    settling.set(original, setTimeout(() => {
      settling.delete(original);
      onChange(original, 'settled');
    }, settleMs));
  });
  await new Promise<void>((ready, fail) => {
    watcher.once('ready', ready);
    watcher.once('error', fail);
  });
  return {
    close: () => {
      for (const t of settling.values()) clearTimeout(t);
      settling.clear();
      return watcher.close();
    },
  };
}

export const describeWatch = (paths: readonly string[]): string => paths.map((p) => basename(p)).join(', ');
