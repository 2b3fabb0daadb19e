// An in-memory fleet state with etcd's rule for changes: a commit succeeds
// only if nothing committed since the read it was decided on. Each command
// opens its own client on the shared state, as each CLI call opens its own
// etcd client. It fails the test on what a caller must never do: use a
// client after closing it, or commit a record and a history entry that
// disagree.
import type { HistoryEvent, PoolRecord } from '../../fleet/record.js';
import type { FleetHistory, FleetSnapshot, FleetStore, FleetWrite, ValueProblem } from '../../fleet/store.js';

export class FakeFleetStore {
  readonly records = new Map<string, PoolRecord>();
  readonly events: HistoryEvent[] = [];
  problems: ValueProblem[] = [];
  generation = 0;
  reads = 0;
  /** Clients opened and not closed yet: a command must close what it opens. */
  open = 0;
  /** Every call fails with this, as an unreachable member would. */
  unreachable: Error | undefined;
  /** Runs between a read and the commit decided on it: another operator's change. */
  beforeCommit: (() => void) | undefined;

  /** Puts a record as another client would: it counts as a committed change. */
  put(name: string, record: PoolRecord): void {
    this.records.set(name, record);
    this.generation++;
  }

  client(): FleetStore {
    this.open++;
    let closed = false;
    const live = (): void => {
      if (closed) throw new Error('fake fleet store: client used after close');
      if (this.unreachable) throw this.unreachable;
    };
    return {
      read: async () => { live(); return this.read(); },
      commit: async (generation, write) => { live(); return this.commit(generation, write); },
      history: async (limit, name) => { live(); return this.history(limit, name); },
      close: () => {
        if (closed) throw new Error('fake fleet store: client closed twice');
        closed = true;
        this.open--;
      },
    };
  }

  private read(): FleetSnapshot {
    this.reads++;
    return { revision: this.generation, generation: this.generation, records: new Map(this.records), problems: [...this.problems] };
  }

  private commit(generation: number, write: FleetWrite): boolean {
    const { name, from: _from, ...fromEvent } = write.event;
    if (JSON.stringify(fromEvent) !== JSON.stringify(write.record)) throw new Error(`fake fleet store: record and history entry of ${name} disagree`);
    const racing = this.beforeCommit;
    this.beforeCommit = undefined;
    racing?.();
    if (generation !== this.generation) return false;
    this.records.set(name, write.record);
    this.events.push(write.event);
    this.generation++;
    return true;
  }

  private history(limit: number, name?: string): FleetHistory {
    const events = this.events.filter((e) => name === undefined || e.name === name);
    return { events: events.slice(Math.max(0, events.length - limit)), problems: [] };
  }
}
