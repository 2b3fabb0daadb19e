// Follows a file another kernel appends to (the guest's progress file on the
// shared folder): prints each complete new line. Polling, because inotify
// does not see writes made through the guest's hostfs.
import { open } from 'node:fs/promises';

export function follow(file: string, onLine: (line: string) => void, everyMs = 250): () => Promise<void> {
  let offset = 0;
  let partial = '';
  let stopped = false;
  const readNew = async (): Promise<void> => {
    const fh = await open(file, 'r').catch(() => undefined);
    if (!fh) return;
    try {
      const { size } = await fh.stat();
      if (size <= offset) return;
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      offset = size;
      const lines = (partial + buf.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    } finally {
      await fh.close();
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await readNew();
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await readNew();
    if (partial !== '') onLine(partial);
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
