// The fleet state saved on this host after every change read from etcd, so
// that an agent started while etcd is out of reach begins from the last state
// it saw rather than from "everything pooled". Written to a temporary file
// and renamed: a crash leaves the old copy or the new one, never half.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { decodeRecord, encodeRecord, type PoolRecord } from '../../fleet/record.js';
import type { FleetRead, SavedFleet } from './fleet-feed.js';

const MAX_BYTES = 4 * 1024 * 1024;

export function fileSavedFleet(path: string): SavedFleet {
  return {
    async load() {
      const text = await readFile(path, 'utf8').catch(() => undefined);
      return text === undefined || text.length > MAX_BYTES ? undefined : parseSaved(text);
    },
    async save(read) {
      const tmp = `${path}.tmp`;
      await writeFile(tmp, formatSaved(read), { mode: 0o600 });
      await rename(tmp, path);
    },
  };
}

export function formatSaved(read: FleetRead): string {
  const records = Object.fromEntries([...read.records].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, r]) => [name, encodeRecord(r)]));
  return `${JSON.stringify({ revision: read.revision, records }, null, 1)}\n`;
}

/** A copy this agent cannot read back is no copy: the feed starts from nothing and says so. */
export function parseSaved(text: string): FleetRead | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const o = json as { revision?: unknown; records?: unknown };
  if (typeof o.revision !== 'number' || typeof o.records !== 'object' || o.records === null) return undefined;
  const records = new Map<string, PoolRecord>();
  for (const [name, value] of Object.entries(o.records as Record<string, unknown>)) {
    const r = typeof value === 'string' ? decodeRecord(value) : undefined;
    if (r?.ok) records.set(name, r.value);
  }
  return { revision: o.revision, records, problems: [] };
}
