// What the kernel shows of connection sync, read from its text. The sync
// daemons keep no message counters anywhere user space can read (not in
// /proc/net/ip_vs_stats, not over netlink); what can be read honestly is
// which connection entries came from another node, and how many datagrams
// the backup's UDP socket dropped for want of buffer. Pure.
import { expandIpv6 } from '../../site/index.js';

export interface ConnectionOrigins {
  /** Entries this node scheduled itself. */
  readonly local: number;
  /** Entries a backup daemon created from another node's messages (IP_VS_CONN_F_SYNC). */
  readonly sync: number;
}

/**
 * Counts one line of /proc/net/ip_vs_conn_sync, whose column before the
 * last is the origin, LOCAL or SYNC (ip_vs_conn.c, ip_vs_conn_sync_seq_show).
 * The header and anything else count nowhere.
 */
export function countOrigin(counts: { local: number; sync: number }, line: string): void {
  const fields = line.trim().split(/\s+/);
  const origin = fields[fields.length - 2];
  if (origin === 'LOCAL') counts.local++;
  else if (origin === 'SYNC') counts.sync++;
}

/**
 * The drops of the backup daemon's socket in /proc/net/udp or udp6: the
 * one bound to the group and port. Addresses there are 32-bit words printed
 * in the host's byte order; undefined when no such socket is listed.
 */
export function backupSocketDrops(procText: string, group: string, port: number, littleEndian: boolean): number | undefined {
  const wanted = `${procAddress(group, littleEndian)}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of procText.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === wanted && f[2]?.endsWith(':0000')) return Number(f[f.length - 1]);
  }
  return undefined;
}

function procAddress(group: string, littleEndian: boolean): string {
  const bytes = group.includes(':')
    ? expandIpv6(group).flatMap((g) => [g >> 8, g & 0xff])
    : group.split('.').map(Number);
  const words: string[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    words.push((littleEndian ? word.reverse() : word).map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(''));
  }
  return words.join('');
}
