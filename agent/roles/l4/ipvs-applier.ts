// The L4 node's IPVS table, owned: the applier keeps the table it last
// applied and read back equal (the verified table), the kernel as it last
// read it, and the drift it found. Each call takes the whole desired table.
//
// Drift: an unchanged table verified more than IPVS_REPAIR_MS ago is read
// again and compared with the verified one; what differs (a destination
// deleted by hand, a weight edited, a table lost in a restart) is logged,
// counted in tierlb_l4_ipvs_drift_total{service}, kept for `tierlb status`,
// and repaired by the minimal diff. The role asks for such a turn every
// IPVS_REPAIR_MS (a repair kick), so the repair goes through the one writer.
import { applyIpvs, type IpvsApplyResult } from '../../../tiers/l4/apply.js';
import { findChangedServices, type ChangedServices } from '../../../tiers/l4/changed-services.js';
import { opKey, type IpvsDiff } from '../../../tiers/l4/diff.js';
import type { IpvsPort } from '../../../tiers/l4/port.js';
import { diffIpvs } from '../../../tiers/l4/diff.js';
import { kernelViewOf, type KernelService } from '../../../tiers/l4/kernel.js';
import type { IpvsState } from '../../../tiers/l4/model.js';
import { describeService, sameService, type ServiceKey } from '../../../tiers/l4/service-key.js';
import type { Logger } from '../../observe/log.js';
import type { Metrics } from '../../observe/metrics.js';
import type { Clock } from '../../ports/clock.js';
import { describeDrift, driftByService, UNPLANNED, type DriftLine } from './drift.js';

/**
 * How often the kernel's table is read and compared with the verified one. A
 * hand edit or lost state is repaired within this; each check reads the whole
 * table (1000 × 50 in the lab kernel: about 0.5 s through netlink, 1 s
 * through ipvsadm), so it is not much shorter.
 */
export const IPVS_REPAIR_MS = 5000;
/** How long `tierlb status` keeps showing a drift that was repaired. */
const DRIFT_SHOWN_MS = 10 * 60 * 1000;

export interface IpvsApplierDeps {
  readonly port: IpvsPort;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: Pick<Metrics, 'ipvsDrift'>;
}

export type IpvsApplyOutcome =
  /** The kernel holds the desired table, read back. */
  | { readonly kind: 'verified'; readonly changed: boolean }
  /** It does not; nothing may be announced from this table. */
  | { readonly kind: 'failed'; readonly error: string };

export interface IpvsApplierStatus {
  readonly kernel: readonly KernelService[] | undefined;
  /** When the kernel's table was last read. */
  readonly kernelAt: number | undefined;
  readonly drift: ReadonlyMap<string, readonly string[]>;
  readonly lastCheck: string;
}

interface Verified {
  readonly table: IpvsState;
  readonly at: number;
}

export class IpvsApplier {
  private verified: Verified | undefined;
  private kernel: { readonly table: readonly KernelService[]; readonly at: number } | undefined;
  /** Destination order still off after moving destinations (a kernel that orders otherwise), per service: reported once, not moved again. */
  private orderDrift = new Map<string, string[]>();
  private readonly driftSeen = new Map<string, { at: number; lines: string[] }>();
  private lastCheck: { at: number; outcome: string } | undefined;

  constructor(private readonly deps: IpvsApplierDeps) {}

  /** A table was applied and read back equal, and nothing found since says otherwise. */
  get isVerified(): boolean {
    return this.verified !== undefined;
  }

  /**
   * Makes the kernel hold `desired`. An unchanged table verified within
   * IPVS_REPAIR_MS is left alone, and so is one when `leaving` (a turn that
   * only moves traffic away must not wait for table reads). A change to a
   * verified table is diffed against it and applied at once, trusting the
   * kernel's acknowledgements, unless `verify` asks for the table to be read
   * back (before a VIP attracts traffic: learn before announcing); the next
   * drift check reads it back anyway. `check`: the drift check's period has
   * come, so an unchanged table is read whatever its age.
   */
  async apply(desired: IpvsState, opts: { readonly leaving: boolean; readonly verify: boolean; readonly check?: boolean }): Promise<IpvsApplyOutcome> {
    const now = this.deps.clock.now();
    const v = this.verified;
    const changed = v ? findChangedServices(v.table, desired) : undefined;
    if (v && changed?.equal) {
      // A due drift check reads even a table verified moments ago: its timer and the last read drift apart by milliseconds.
      if (opts.leaving || (opts.check !== true && now - v.at < IPVS_REPAIR_MS)) return { kind: 'verified', changed: false };
      return this.check(v.table);
    }
    if (v && changed && !opts.verify) {
      const quick = await this.acknowledged(v, desired, changed);
      if (quick) return quick;
    }
    return this.change(desired);
  }

  status(): IpvsApplierStatus {
    const now = this.deps.clock.now();
    const drift = new Map<string, string[]>(this.orderDrift);
    for (const [svc, seen] of this.driftSeen) if (now - seen.at < DRIFT_SHOWN_MS) drift.set(svc, [...(drift.get(svc) ?? []), ...seen.lines]);
    const c = this.lastCheck;
    return { kernel: this.kernel?.table, kernelAt: this.kernel?.at, drift, lastCheck: c ? `last ${new Date(c.at).toISOString()}: ${c.outcome}` : 'not run yet' };
  }

  /**
   * A change diffed against the verified table, with no read; undefined when
   * the kernel refused part of it (then it is read). Only the services that
   * differ are diffed: on 1000 × 50 the whole table costs tens of
   * milliseconds, one weight change one service.
   */
  private async acknowledged(v: Verified, desired: IpvsState, changed: ChangedServices): Promise<IpvsApplyOutcome | undefined> {
    const diff = diffIpvs(changed.desired, kernelViewOf(changed.verified));
    const r = await this.deps.port.apply(diff.ops);
    if (!r.ok) {
      this.deps.log.warn({ err: r.error }, 'IPVS: a change to the verified table was refused; reading the kernel');
      return undefined;
    }
    // The read-back is due when it was due before: the drift check verifies this change too.
    this.verified = { table: desired, at: v.at };
    this.deps.log.info({ ops: diff.ops.map((o) => o.op), reads: 0 }, `IPVS: applied ${diff.ops.length} operation(s), acknowledged by the kernel; read back at the next drift check`);
    return { kind: 'verified', changed: diff.ops.length > 0 };
  }

  /** A new table: diff against the kernel (as read moments ago, or now), apply, verify. */
  private async change(desired: IpvsState): Promise<IpvsApplyOutcome> {
    const now = this.deps.clock.now();
    const known = this.verified && this.kernel && now - this.kernel.at < IPVS_REPAIR_MS ? this.kernel.table : undefined;
    const expected = this.verified?.table;
    const r = await applyIpvs(this.deps.port, desired, known);
    if (r.kind === 'failed') return this.failed(desired, r, 'after a failed apply');
    // Drift found on the way: the kernel read before the diff against the table last verified,
    // or, with the table known from before, a verify that differed although every operation went in.
    const found = r.fresh ? (expected ? describeDrift(expected, r.before) : []) : (r.moved ? describeDrift(desired, r.moved) : []);
    if (found.length > 0) this.report(found, 'while applying a turn', `repaired by ${r.applied.length} operation(s) with the turn's changes`);
    this.settle(desired, r);
    if (r.applied.length > 0) this.deps.log.info({ ops: r.applied.map((o) => o.op), reads: r.reads }, `IPVS: applied ${r.applied.length} operation(s), verified`);
    return { kind: 'verified', changed: r.applied.length > 0 };
  }

  /** The periodic check: read the whole table, compare with the verified one, repair the difference. */
  private async check(expected: IpvsState): Promise<IpvsApplyOutcome> {
    let table: KernelService[];
    try {
      table = await this.deps.port.read();
    } catch (err) {
      const error = `cannot read the IPVS table: ${(err as Error).message}`;
      this.lastCheck = { at: this.deps.clock.now(), outcome: error };
      this.deps.log.warn({ err }, 'IPVS drift check: cannot read the table');
      return { kind: 'failed', error };
    }
    const at = this.deps.clock.now();
    this.kernel = { table, at };
    // An order the moves could not fix is reported once, not moved again every check.
    const found = describeDrift(expected, table).filter((l) => !(l.order && this.orderDrift.has(l.service)));
    this.lastCheck = { at, outcome: found.length === 0 ? 'kernel equals the verified table' : `${found.length} difference(s)` };
    if (found.length === 0) {
      this.verified = { table: expected, at };
      return { kind: 'verified', changed: false };
    }
    const r = await applyIpvs(this.deps.port, expected, table);
    if (r.kind === 'failed') {
      this.report(found, 'by the periodic check', `not repaired: ${r.error}`);
      return this.failed(expected, r, 'by the periodic check');
    }
    this.report(found, 'by the periodic check', `repaired by ${r.applied.map((o) => o.op).join(', ')}`);
    this.settle(expected, r);
    return { kind: 'verified', changed: true };
  }

  private settle(table: IpvsState, r: Extract<IpvsApplyResult, { kind: 'verified' }>): void {
    const at = this.deps.clock.now();
    this.noteReordered(table, r.reordered);
    this.recordOrderDrift(table, r.orderDrift);
    this.kernel = { table: r.kernel, at };
    this.verified = { table, at };
  }

  /** Nothing verified any more: a partly applied change set is not drift, so nothing is compared until a table verifies again. */
  private async failed(table: IpvsState, r: Extract<IpvsApplyResult, { kind: 'failed' }>, how: string): Promise<IpvsApplyOutcome> {
    const still = r.remaining.map((op): DriftLine => {
      const key = opKey(op);
      return { service: this.serviceOf(table, key), key, text: `${describeService(key)}: still to do: ${op.op}` };
    });
    for (const l of still) this.deps.metrics.ipvsDrift.inc({ service: l.service });
    this.note(still, how, 'not repaired yet');
    const now = await this.deps.port.read().catch(() => undefined);
    if (now) this.kernel = { table: now, at: this.deps.clock.now() };
    this.deps.log.error({ err: r.error, remaining: r.remaining.length }, 'IPVS table not applied; VIPs will not be announced until it is');
    this.verified = undefined;
    return { kind: 'failed', error: r.error };
  }

  private serviceOf(table: IpvsState, key: ServiceKey): string {
    return table.services.find((s) => sameService(s, key))?.service ?? UNPLANNED;
  }

  private note(lines: readonly DriftLine[], how: string, outcome: string): void {
    const at = this.deps.clock.now();
    const when = new Date(at).toISOString();
    for (const [svc, texts] of driftByService(lines)) this.driftSeen.set(svc, { at, lines: texts.map((t) => `${t} (found ${how} at ${when}; ${outcome})`) });
  }

  /** Logs and counts what differed; status shows it with the outcome. */
  private report(lines: readonly DriftLine[], how: string, outcome: string): void {
    for (const l of lines) this.deps.metrics.ipvsDrift.inc({ service: l.service });
    this.note(lines, how, outcome);
    this.deps.log.warn({ drift: lines.map((l) => ({ service: l.service, what: l.text })), how, outcome },
      `IPVS drift found ${how}: ${lines.map((l) => l.text).join('; ')}; ${outcome}`);
  }

  /** Destinations moved back into Maglev order: an L7 node added in another order than on the other L4 nodes, or a hand edit. */
  private noteReordered(table: IpvsState, moved: IpvsDiff['orderDrift']): void {
    for (const m of moved) {
      const target = describeService(m.key);
      this.deps.log.warn({ service: this.serviceOf(table, m.key), target, detail: m.detail }, `IPVS: ${target} back in Maglev order: ${m.detail}`);
    }
  }

  /** Order drift is counted when it appears or changes, not on every turn it persists. */
  private recordOrderDrift(table: IpvsState, found: IpvsDiff['orderDrift']): void {
    const next = new Map<string, string[]>();
    for (const d of found) {
      const svc = this.serviceOf(table, d.key);
      next.set(svc, [...(next.get(svc) ?? []), `${describeService(d.key)}: destination order differs from the Maglev order: ${d.detail}`]);
    }
    for (const [svc, lines] of next) {
      if ((this.orderDrift.get(svc) ?? []).join('\n') === lines.join('\n')) continue;
      this.deps.metrics.ipvsDrift.inc({ service: svc }, lines.length);
      this.deps.log.error({ service: svc, drift: lines }, `IPVS order drift in ${svc} remains after moving destinations: this kernel does not keep destinations newest first as tiers/l4/order.ts expects; flows that change L4 node may land on another L7 node`);
    }
    this.orderDrift = next;
  }
}
