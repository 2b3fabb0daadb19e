// The fleet state as an agent input: read from etcd, watched, and saved on
// this host, so that an agent cut off from etcd (or restarted while it is)
// keeps the last state it saw instead of falling back to "all pooled": fail
// static. It reports each new view; the one writer decides what it means.
import { isDeepStrictEqual } from 'node:util';
import type { EtcdSettings } from '../../site/index.js';
import { decodeRecord, type PoolRecord } from '../../fleet/record.js';
import type { FleetView, ValueProblem } from '../../fleet/store.js';
import type { Clock } from '../ports/clock.js';

export interface FleetRead {
  readonly revision: number;
  readonly records: ReadonlyMap<string, PoolRecord>;
  readonly problems: readonly ValueProblem[];
}

/** One key written or deleted under the pool records, as the watch tells it. */
export interface FleetChange {
  readonly kind: 'put' | 'delete';
  readonly key: string;
  /** The node or server, when the key names one. */
  readonly name?: string;
  readonly value: string;
  readonly revision: number;
}

/** One connection to the store; the feed makes a new one after any failure. */
export interface FleetConnection {
  read(): Promise<FleetRead>;
  /** Calls `changed` with every change of the records after `fromRevision`, in order; `failed` once if the watch breaks. */
  watch(fromRevision: number, changed: (changes: readonly FleetChange[]) => void, failed: (why: string) => void): Promise<void>;
  /** Resolves while the store answers; the feed's heartbeat, since a cut-off member sends no error of its own. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** The copy on this host's disk: what the agent keeps while etcd cannot be read. */
export interface SavedFleet {
  load(): Promise<FleetRead | undefined>;
  save(read: FleetRead): Promise<void>;
}

export interface FleetFeedDeps {
  readonly connect: (settings: EtcdSettings) => Promise<FleetConnection>;
  readonly saved: SavedFleet;
  readonly clock: Clock;
  readonly onView: (view: FleetView | undefined) => void;
  readonly onProblem: (what: string, why: string) => void;
}

/** How often a quiet connection is asked whether the store still answers: a member cut off sends no error of its own. */
export const PROBE_MS = 5000;
export const RECONNECT_MS = [500, 1000, 2000, 5000] as const;

export class FleetFeed {
  private settings: EtcdSettings | undefined;
  private view: FleetView | undefined;
  private run: { readonly stop: AbortController; readonly done: Promise<void> } | undefined;

  constructor(private readonly deps: FleetFeedDeps) {}

  current(): FleetView | undefined {
    return this.view;
  }

  /** Follows the site's etcd section: a new one reconnects, none stops the feed and forgets the state. */
  async follow(settings: EtcdSettings | undefined): Promise<void> {
    if (isDeepStrictEqual(settings, this.settings)) return;
    await this.close();
    this.settings = settings;
    if (!settings) {
      this.publish(undefined);
      return;
    }
    const saved = await this.deps.saved.load().catch(() => undefined);
    this.publish(saved ? { ...saved, source: 'saved copy' } : { records: new Map(), revision: 0, problems: [], source: 'none yet' });
    const stop = new AbortController();
    this.run = { stop, done: this.loop(settings, stop.signal) };
  }

  async close(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    run?.stop.abort();
    await run?.done;
  }

  private async loop(settings: EtcdSettings, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const why = await this.session(settings, signal);
      if (signal.aborted) return;
      this.cutOff(why);
      failures++;
      await this.deps.clock.sleep(RECONNECT_MS[Math.min(failures, RECONNECT_MS.length) - 1] ?? 5000, signal);
    }
  }

  /** One connection: read, watch, probe, until something fails; returns why. */
  private async session(settings: EtcdSettings, signal: AbortSignal): Promise<string> {
    let conn: FleetConnection | undefined;
    try {
      conn = await this.deps.connect(settings);
      const c = conn;
      let failed: string | undefined;
      const pending: FleetChange[] = [];
      let nap: AbortController | undefined;
      await this.take(await c.read());
      await c.watch(this.view?.revision ?? 0, (changes) => { pending.push(...changes); nap?.abort(); }, (why) => { failed ??= `watch: ${why}`; nap?.abort(); });
      // A change made between the read and the watch's start is in the watch: it starts at the read's revision.
      while (!signal.aborted && failed === undefined) {
        if (pending.length > 0) {
          await this.apply(pending.splice(0));
          continue;
        }
        nap = new AbortController();
        await this.deps.clock.sleep(PROBE_MS, AbortSignal.any([signal, nap.signal]));
        if (!nap.signal.aborted && !signal.aborted) await c.probe();
      }
      return failed ?? 'stopped';
    } catch (err) {
      return (err as Error).message;
    } finally {
      await conn?.close().catch(() => undefined);
    }
  }

  /**
   * A whole read. A value that cannot be decoded keeps the record this agent
   * had for its name: a garbled write must not pool a node an operator took out.
   */
  private async take(read: FleetRead): Promise<void> {
    const records = new Map(read.records);
    for (const p of read.problems) {
      const kept = p.name !== undefined && !records.has(p.name) ? this.view?.records.get(p.name) : undefined;
      if (kept && p.name !== undefined) records.set(p.name, kept);
    }
    await this.settle({ revision: read.revision, records, problems: read.problems });
  }

  /** The watch's changes on top of what this agent holds, with the same rule for a value it cannot decode. */
  private async apply(changes: readonly FleetChange[]): Promise<void> {
    const v = this.view;
    const records = new Map(v?.records ?? []);
    const problems = (v?.problems ?? []).filter((p) => !changes.some((c) => c.key === p.key));
    let revision = v?.revision ?? 0;
    for (const c of changes) {
      revision = Math.max(revision, c.revision);
      if (c.name === undefined) {
        problems.push({ key: c.key, problem: 'not a node or server name' });
        continue;
      }
      if (c.kind === 'delete') {
        records.delete(c.name);
        continue;
      }
      const r = decodeRecord(c.value);
      if (r.ok) records.set(c.name, r.value);
      else problems.push({ key: c.key, name: c.name, problem: r.problem });
    }
    await this.settle({ revision, records, problems });
  }

  private async settle(read: FleetRead): Promise<void> {
    const before = this.view;
    const view: FleetView = { records: read.records, revision: read.revision, problems: read.problems, source: 'store' };
    for (const p of read.problems.filter((p) => !before?.problems.some((q) => q.key === p.key && q.problem === p.problem))) {
      this.deps.onProblem(`etcd value ${p.key} ignored${p.name !== undefined && read.records.has(p.name) ? `; keeping the last record of ${p.name} this agent read` : ''}`, p.problem);
    }
    if (before?.source === 'store' && before.unreachableSince === undefined && isDeepStrictEqual(before.records, view.records)) {
      this.view = view;
      return;
    }
    this.publish(view);
    await this.deps.saved.save(read).catch((err: unknown) => this.deps.onProblem('saving the fleet state on this host', (err as Error).message));
  }

  private cutOff(why: string): void {
    const v = this.view;
    if (!v || v.unreachableSince !== undefined) return;
    this.publish({ ...v, unreachableSince: this.deps.clock.now(), unreachableWhy: why });
  }

  private publish(view: FleetView | undefined): void {
    this.view = view;
    this.deps.onView(view);
  }
}
