// The fleet state as the CLI and the agents see it, behind one small
// interface: the etcd driver implements it (agent/drivers/etcd), tests use an
// in-memory fake.
import type { HistoryEvent, PoolRecord } from './record.js';

export interface ValueProblem {
  readonly key: string;
  /** The node or server the key is for, when it names one. */
  readonly name?: string;
  readonly problem: string;
}

export interface FleetSnapshot {
  /** The store's revision when it was read. */
  readonly revision: number;
  /** Version of the generation key: a change commits only if it is still this. */
  readonly generation: number;
  readonly records: ReadonlyMap<string, PoolRecord>;
  /** Values that are not records tierlb can read: left out of `records`. */
  readonly problems: readonly ValueProblem[];
}

/** One change: the new record of `event.name` and its history entry, committed together. */
export interface FleetWrite {
  readonly record: PoolRecord;
  readonly event: HistoryEvent;
}

export interface FleetHistory {
  readonly events: readonly HistoryEvent[];
  readonly problems: readonly ValueProblem[];
}

export interface FleetStore {
  read(): Promise<FleetSnapshot>;
  /** False when another change committed since `generation` was read: read again and decide again. */
  commit(generation: number, write: FleetWrite): Promise<boolean>;
  /** The newest `limit` events, oldest first; of one name when given. */
  history(limit: number, name?: string): Promise<FleetHistory>;
  close(): void;
}

/** What an agent knows of the fleet state: the last records it saw, and whether it still sees the store. */
export interface FleetView {
  readonly records: ReadonlyMap<string, PoolRecord>;
  readonly revision: number;
  /** Since when (ms) the store could not be read; absent while it can. */
  readonly unreachableSince?: number;
  readonly unreachableWhy?: string;
  /** Where the records came from: read from the store, or the copy saved on this host before it was cut off. */
  readonly source: 'store' | 'saved copy' | 'none yet';
  readonly problems: readonly ValueProblem[];
}
