// The kernel's IPVS sync daemons on this L4 node, owned: the applier keeps
// the daemons it last saw running as planned and reads the kernel
// (GET_DAEMON) only when the plan differs from them, at a drift check, or
// after a failure; then it stops and starts only the daemons that differ
// (new settings take a stop and a start: the kernel has no edit). Each start
// and stop is logged and counted. Not essential to serving: without sync a
// flow that changes L4 node falls back to the Maglev table, as before; a
// failure is logged once, shown in status and tried again.
import { isDeepStrictEqual } from 'node:util';
import { describeSyncDaemon, diffSyncDaemons, SYNC_STATES, type ConnectionSyncPlan, type SyncDaemon, type SyncDaemonPort, type SyncOp, type SyncState } from '../../../tiers/l4/connection-sync.js';
import type { Logger } from '../../observe/log.js';

export type ConnectionSyncResult = 'held' | 'retry';

export interface SyncDaemonCounts {
  /** One start or stop the kernel took. */
  changed(state: SyncState, action: 'start' | 'stop'): void;
  /** One the kernel refused, or a failed read. */
  failed(state: SyncState | 'list'): void;
}

export class ConnectionSyncApplier {
  /** The plan's daemons as the kernel was last seen running them; undefined: read it at the next apply. */
  private held: readonly SyncDaemon[] | undefined;
  /** What the kernel ran at the last read, with the sizes it chose. */
  private running: readonly SyncDaemon[] = [];
  private problem: string | undefined;

  constructor(private readonly port: SyncDaemonPort, private readonly log: Logger, private readonly counts: SyncDaemonCounts) {}

  /** Per state, whether the kernel runs that daemon as planned (false while a change failed). */
  up(): Readonly<Record<SyncState, boolean>> {
    const held = this.held ?? [];
    return { master: held.some((d) => d.state === 'master'), backup: held.some((d) => d.state === 'backup') };
  }

  /** `check`: read the kernel even if the plan is the one last applied (the drift check). */
  async apply(plan: ConnectionSyncPlan, opts: { readonly check?: boolean } = {}): Promise<ConnectionSyncResult> {
    if (!opts.check && this.held !== undefined && isDeepStrictEqual(this.held, plan.daemons)) return 'held';
    let running: readonly SyncDaemon[];
    try {
      running = await this.port.list();
    } catch (err) {
      this.counts.failed('list');
      return this.failed(`cannot read the kernel's sync daemons: ${(err as Error).message}`);
    }
    this.running = running;
    const ops = diffSyncDaemons(plan.daemons, running);
    const errors: string[] = [];
    for (const op of ops) {
      const error = await this.run(op);
      if (error !== undefined) errors.push(error);
    }
    if (errors.length > 0) return this.failed(errors.join('; '));
    if (ops.length > 0) this.running = await this.port.list().catch(() => this.running);
    if (this.problem !== undefined) this.log.info('connection sync: the kernel runs the planned daemons again');
    this.problem = undefined;
    this.held = plan.daemons;
    return 'held';
  }

  status(plan: ConnectionSyncPlan | undefined): string {
    if (this.problem !== undefined) return `connection sync: not applied: ${this.problem}; flows that change L4 node follow the Maglev table`;
    if (plan === undefined || plan.daemons.length === 0) return 'connection sync: off';
    if (this.held === undefined) return 'connection sync: not applied yet';
    const shown = SYNC_STATES.flatMap((s) => this.running.filter((d) => d.state === s)).map(describeSyncDaemon);
    return `connection sync: ${shown.join('; ')}`;
  }

  /** Runs one change; its error, or undefined. */
  private async run(op: SyncOp): Promise<string | undefined> {
    const state = op.kind === 'stop' ? op.state : op.daemon.state;
    try {
      if (op.kind === 'stop') await this.port.stop(op.state);
      else await this.port.start(op.daemon);
    } catch (err) {
      this.counts.failed(state);
      return (err as Error).message;
    }
    this.counts.changed(state, op.kind);
    if (op.kind === 'stop') this.log.info({ state, why: op.why }, `connection sync: ${state} daemon stopped (${op.why})`);
    else this.log.info({ state, daemon: op.daemon }, `connection sync: started ${describeSyncDaemon(op.daemon)}`);
    return undefined;
  }

  private failed(why: string): 'retry' {
    if (this.problem !== why) this.log.warn({ why }, `connection sync not applied: ${why}; flows that change L4 node follow the Maglev table`);
    this.problem = why;
    this.held = undefined;
    return 'retry';
  }
}
