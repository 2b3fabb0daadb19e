// Reads what the kernel shows of connection sync (tiers/l4/sync-counters.ts):
// the connection entries by origin, streamed line by line since the table can
// hold millions, and the drops of the backup daemon's socket.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { createInterface } from 'node:readline';
import { backupSocketDrops, countOrigin, type ConnectionOrigins } from '../../../tiers/l4/sync-counters.js';

export interface SyncCounterReader {
  origins(): Promise<ConnectionOrigins>;
  /** undefined when no backup daemon listens on the group and port. */
  backupDrops(group: string, port: number): Promise<number | undefined>;
}

export const procSyncCounters: SyncCounterReader = {
  async origins() {
    const counts = { local: 0, sync: 0 };
    const lines = createInterface({ input: createReadStream('/proc/net/ip_vs_conn_sync'), crlfDelay: Infinity });
    for await (const line of lines) countOrigin(counts, line);
    return counts;
  },
  async backupDrops(group, port) {
    const text = await readFile(group.includes(':') ? '/proc/net/udp6' : '/proc/net/udp', 'utf8');
    return backupSocketDrops(text, group, port, endianness() === 'LE');
  },
};
