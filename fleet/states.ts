// The state each name is in at one moment, read from the records, and the
// state of a pool entry, which the backend node it runs on can make stricter
// (the agent on that node answers for every server it runs). Pure.
import type { Server } from '../site/index.js';
import { pooledAt, RESTRICTION, type PoolRecord, type Pooled } from './record.js';

/** Name to state; a name that is absent is pooled. */
export type FleetStates = ReadonlyMap<string, Pooled>;


export function statesAt(records: ReadonlyMap<string, PoolRecord>, now: number): FleetStates {
  return new Map([...records].map(([name, record]) => [name, pooledAt(record, now)]));
}

export const stateOf = (states: FleetStates, name: string): Pooled => states.get(name) ?? 'yes';

/** Drain and no both take a node or server out of new traffic: limits count them alike. */
export const isOut = (p: Pooled): boolean => p !== 'yes';

export function serverState(states: FleetStates, server: Server): Pooled {
  const own = stateOf(states, server.name);
  const node = server.node === undefined ? 'yes' : stateOf(states, server.node);
  return RESTRICTION[node] > RESTRICTION[own] ? node : own;
}

/** The name whose record keeps a server out: its own when it is out, else its node's. */
export function serverOutBy(states: FleetStates, server: Server): string {
  return isOut(stateOf(states, server.name)) || server.node === undefined ? server.name : server.node;
}

export function withState(states: FleetStates, name: string, to: Pooled): FleetStates {
  return new Map([...states, [name, to]]);
}
