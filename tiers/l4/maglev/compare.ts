// How two Maglev tables differ, slot by slot. A slot is compared by the real
// server it holds (address and port), not by its index in the list: a list
// that grew or was reordered renumbers its real servers without moving them.
import { MH_TABLE_SIZE } from './hash-key.js';
import type { MaglevTable } from './table.js';

/** The real server of each slot as `address port`, or '' for an empty slot. */
export function slotOwners(table: MaglevTable): string[] {
  const names = table.service.realServers.map((rs) => `${rs.address} ${rs.port}`);
  return Array.from(table.slots, (index) => names[index] ?? '');
}

/** How many slots hold another real server (or none) in `b` than in `a`. */
export function differingSlots(a: MaglevTable, b: MaglevTable): number {
  const left = slotOwners(a);
  const right = slotOwners(b);
  let count = 0;
  for (let slot = 0; slot < MH_TABLE_SIZE; slot++) if (left[slot] !== right[slot]) count++;
  return count;
}
