// A model of the kernel's Maglev (`mh`) IPVS scheduler: the table every L4
// node builds and the real server it picks for a flow. Pure.
export { MH_TABLE_SIZE } from './hash-key.js';
export { buildMaglevTable, turnsOf, type MaglevRealServer, type MaglevService, type MaglevTable } from './table.js';
export { scheduleFlow, type Flow, type MaglevChoice } from './schedule.js';
export { differingSlots, slotOwners } from './compare.js';
