// The fleet state as an agent input: read from etcd, watched, and saved on
// this host, so that an agent cut off from etcd (or restarted while it is)
// keeps the last state it saw instead of falling back to "all pooled": fail
// static. It reports each new view; the one writer decides what it means.
import { isDeepStrictEqual } from 'node:util';
import type { EtcdSettings } from '../../site/index.js';
import type { PoolRecord } from '../../fleet/record.js';
import type { FleetView, ValueProblem } from '../../fleet/store.js';
import type { Clock } from '../ports/clock.js';

export interface FleetRead {
  readonly revision: number;
  readonly records: ReadonlyMap<string, PoolRecord>;
  readonly problems: readonly ValueProblem[];
}

/** One connection to the store; the feed makes a new one after any failure. */
export interface FleetConnection {
  read(): Promise<FleetRead>;
  /** Calls `changed` on every change of the records after `fromRevision`, `failed` once if the watch breaks. */
  watch(fromRevision: number, changed: () => void, failed: (why: string) => void): Promise<void>;
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

export const PROBE_MS = 2000;
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
      let dirty = false;
      let nap: AbortController | undefined;
      await this.take(await c.read());
      await c.watch(this.view?.revision ?? 0, () => { dirty = true; nap?.abort(); }, (why) => { failed ??= `watch: ${why}`; nap?.abort(); });
      // A change read before the watch started would be missed: read once more now that it runs.
      await this.take(await c.read());
      while (!signal.aborted && failed === undefined) {
        if (dirty) {
          dirty = false;
          await this.take(await c.read());
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

  private async take(read: FleetRead): Promise<void> {
    const before = this.view;
    const view: FleetView = { records: read.records, revision: read.revision, problems: read.problems, source: 'store' };
    for (const p of read.problems.filter((p) => !before?.problems.some((q) => q.key === p.key && q.problem === p.problem))) {
      this.deps.onProblem(`etcd value ${p.key} ignored`, p.problem);
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
