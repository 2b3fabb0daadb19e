// Connection sync in the L4 role: the applier over the port the addon gives
// (or why there is none), its metrics, and the counters read for a scrape.
// The port is chosen once, at the first apply that wants daemons or must
// stop them; whether the site wants them is read at every turn, so an edit
// turns sync on, off, or to new settings.
import type { ConnectionSyncPlan, SyncDaemonPort } from '../../../tiers/l4/connection-sync.js';
import type { SyncCounterReader } from '../../drivers/ipvs/sync-counters.js';
import type { Logger } from '../../observe/log.js';
import { readAtMostEvery, type Metrics } from '../../observe/metrics.js';
import { ConnectionSyncApplier, type ConnectionSyncResult } from './connection-sync-applier.js';

/** The connection table and the UDP sockets are read for a scrape at most this often. */
export const SYNC_COUNTERS_MS = 30000;

export interface ConnectionSyncDrivers {
  readonly port: () => { readonly port: SyncDaemonPort } | { readonly why: string };
  readonly counters: SyncCounterReader;
}

export class ConnectionSync {
  private applier: ConnectionSyncApplier | undefined;
  private unavailable: string | undefined;
  private plan: ConnectionSyncPlan = { daemons: [] };

  constructor(private readonly drivers: ConnectionSyncDrivers, private readonly log: Logger, private readonly metrics: Metrics, now: () => number) {
    metrics.programReaders.connectionSync = readAtMostEvery(SYNC_COUNTERS_MS, now, () => this.readCounters());
  }

  /** `check`: the drift check's turn, when the kernel's daemons are read even if nothing changed. */
  async apply(plan: ConnectionSyncPlan, check: boolean): Promise<ConnectionSyncResult> {
    this.plan = plan;
    const applier = this.applier ?? this.choose(plan);
    if (!applier) return plan.daemons.length > 0 ? 'retry' : 'held';
    const result = await applier.apply(plan, { check });
    const up = applier.up();
    for (const state of ['master', 'backup'] as const) this.metrics.syncDaemonUp.set({ state }, up[state] ? 1 : 0);
    return result;
  }

  status(): string {
    if (this.unavailable !== undefined && this.plan.daemons.length > 0) return `connection sync: not available (${this.unavailable}); flows that change L4 node follow the Maglev table`;
    return this.applier?.status(this.plan) ?? 'connection sync: off';
  }

  /**
   * Also with sync off: the first apply reads the kernel and stops daemons a
   * former agent started. Without the addon, only a site that wants sync
   * hears about it.
   */
  private choose(plan: ConnectionSyncPlan): ConnectionSyncApplier | undefined {
    const chosen = this.drivers.port();
    if ('why' in chosen) {
      if (this.unavailable !== chosen.why && plan.daemons.length > 0) this.log.warn({ why: chosen.why }, `connection sync not available: ${chosen.why}`);
      this.unavailable = chosen.why;
      return undefined;
    }
    this.unavailable = undefined;
    this.applier = new ConnectionSyncApplier(chosen.port, this.log, {
      changed: (state, action) => this.metrics.syncDaemonChanges.inc({ state, action }),
      failed: (state) => this.metrics.syncDaemonErrors.inc({ state }),
    });
    return this.applier;
  }

  private async readCounters(): Promise<void> {
    const backup = this.plan.daemons.find((d) => d.state === 'backup');
    if (!backup) return;
    try {
      const origins = await this.drivers.counters.origins();
      this.metrics.syncConnections.set({ origin: 'local' }, origins.local);
      this.metrics.syncConnections.set({ origin: 'sync' }, origins.sync);
      const drops = await this.drivers.counters.backupDrops(backup.group, backup.port);
      if (drops !== undefined) this.metrics.syncReceiveDrops.set(drops);
    } catch (err) {
      this.log.debug({ error: (err as Error).message }, 'connection sync counters not read');
    }
  }
}
