import { describe, expect, it } from 'vitest';
import { backupSocketDrops, countOrigin } from './sync-counters.js';

// As ip_vs_conn_sync_seq_show prints them (6.1).
const CONN_SYNC = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires
TCP 0A090064 9C40 C6336401 0050 0A09000A 0050 ESTABLISHED SYNC       897
TCP 0A090064 9C41 C6336401 0050 0A09000A 0050 ESTABLISHED LOCAL      899
TCP fd00::64 9C42 2001:db8::1 0050 fd00::a 0050 FIN_WAIT    SYNC       119
`;

// A backup bound to 224.0.0.81:8848 with 3 drops, and a master connected to it, as /proc/net/udp prints them on x86.
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 510000E0:2290 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 2 0000000000000000 3
  456: 0100090A:8D3A 510000E0:2290 01 00000000:00000000 00:00000000 00000000     0        0 0 2 0000000000000000 0
`;

const UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
   12: 000002FF000000000000000081000000:2290 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 2 0000000000000000 5
`;

describe('countOrigin', () => {
  it('counts the entries a backup daemon made apart from the local ones, for both families', () => {
    const counts = { local: 0, sync: 0 };
    for (const line of CONN_SYNC.split('\n')) countOrigin(counts, line);
    expect(counts).toEqual({ local: 1, sync: 2 });
  });
});

describe('backupSocketDrops', () => {
  it('finds the socket bound to the group and port, not the master\'s connected to it', () => {
    expect(backupSocketDrops(UDP, '224.0.0.81', 8848, true)).toBe(3);
    expect(backupSocketDrops(UDP6, 'ff02::81', 8848, true)).toBe(5);
  });

  it('says nothing when no backup listens on that group and port', () => {
    expect(backupSocketDrops(UDP, '224.0.0.82', 8848, true)).toBeUndefined();
    expect(backupSocketDrops(UDP, '224.0.0.81', 8849, true)).toBeUndefined();
    expect(backupSocketDrops(UDP, '224.0.0.81', 8848, false)).toBeUndefined();
  });
});
