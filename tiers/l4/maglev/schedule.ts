// Which real server the mh scheduler gives a new flow (ip_vs_mh_schedule):
// the slot of the client's source address, and its source port with
// mh-port. The real server there must be available (weight above 0, not
// overloaded); with mh-fallback, an unavailable one sends the lookup on to
// slots hashed with growing offsets until an available one or an empty slot.
// Without mh-fallback the flow is not scheduled: the kernel refuses it.
//
// Only the forward direction of TCP, UDP and SCTP: for ICMP errors about a
// flow the kernel hashes the other address, and other protocols hash port 0.
import type { IpAddress } from '../../../site/index.js';
import { MH_TABLE_SIZE, OFFSET_KEY, foldAddress, mhHash } from './hash-key.js';
import type { MaglevRealServer, MaglevTable } from './table.js';

export interface Flow {
  /** The client's (source) address, of the service's family. */
  readonly client: IpAddress;
  /** The client's (source) port; it counts only with mh-port. */
  readonly port: number;
}

export type MaglevChoice =
  | {
    readonly kind: 'scheduled';
    /** Index of the real server in the service's list (oldest first). */
    readonly index: number;
    readonly realServer: MaglevRealServer;
    /** The flow's own slot, and whether mh-fallback had to look past it. */
    readonly slot: number;
    readonly fellBack: boolean;
  }
  | { readonly kind: 'unscheduled'; readonly reason: 'empty table' | 'unavailable' | 'no available real server' };

/** The kernel's choice for the first packet of `flow`. */
export function scheduleFlow(table: MaglevTable, flow: Flow): MaglevChoice {
  const { service, slots } = table;
  const fold = foldAddress(flow.client, service.family);
  const port = service.flags.includes('mh-port') ? flow.port : 0;
  const slot = mhHash(fold, port, OFFSET_KEY) % MH_TABLE_SIZE;
  const first = slots[slot] ?? -1;
  if (first < 0) return { kind: 'unscheduled', reason: 'empty table' };
  if (available(table, first)) return scheduled(table, first, slot, false);
  if (!service.flags.includes('mh-fallback')) return { kind: 'unscheduled', reason: 'unavailable' };
  for (let offset = 0; offset < MH_TABLE_SIZE; offset++) {
    const index = slots[mhHash(fold, port, OFFSET_KEY, (offset + slot) % MH_TABLE_SIZE) % MH_TABLE_SIZE] ?? -1;
    if (index < 0) break;
    if (available(table, index)) return scheduled(table, index, slot, true);
  }
  return { kind: 'unscheduled', reason: 'no available real server' };
}

function available(table: MaglevTable, index: number): boolean {
  const rs = table.service.realServers[index];
  return rs !== undefined && rs.weight > 0 && rs.overloaded !== true;
}

function scheduled(table: MaglevTable, index: number, slot: number, fellBack: boolean): MaglevChoice {
  return { kind: 'scheduled', index, realServer: table.service.realServers[index] as MaglevRealServer, slot, fellBack };
}
