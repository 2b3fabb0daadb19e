// The node's kernel state (links, addresses, sysctls), owned: the applier
// keeps the ops it last applied, so an unchanged set costs nothing and an
// address that left the plan (a VIP removed from the site) is deleted. A
// drift check reads the kernel again for an unchanged set: whatever it has
// to change then was changed under the agent (an address deleted by hand, a
// tunnel set down, a sysctl written back), and is counted as a repair.
import { isDeepStrictEqual } from 'node:util';
import { netOpsText, type NetOp } from '../../tiers/common/files.js';
import type { Runner } from '../../tiers/common/runner.js';
import { applyNetOps, runnerSysctl, type NetOpResult, type SysctlPort } from '../drivers/kernel/netops.js';
import type { Logger } from '../observe/log.js';

export interface NetApplierPolicy {
  /** An op whose failure means the node must not serve (a VIP address missing). */
  readonly essential: (op: NetOp) => boolean;
  /** An op whose failure no retry can fix on this kernel (no ipip module): counted as applied. */
  readonly permanent: (op: NetOp) => boolean;
}

export interface NetApplyResult {
  /** Every op holds. */
  readonly all: boolean;
  /** Every essential op holds: the node may serve. */
  readonly essential: boolean;
  readonly failed: readonly NetOpResult[];
  /** Ops of an unchanged set that a drift check found undone and made true again. */
  readonly repaired: readonly NetOpResult[];
}

/** What kind of kernel state an op is, as drift repairs are counted and shown. */
export type KernelStateKind = 'address' | 'link' | 'sysctl';

export function kernelStateKind(op: NetOp): KernelStateKind {
  return op.kind === 'up' ? 'link' : op.kind;
}

export interface NetDrift {
  readonly checks: number;
  readonly repairs: ReadonlyMap<KernelStateKind, number>;
  /** The last repair: when (epoch ms) and what. */
  readonly last?: { readonly at: number; readonly what: string };
}

export class NetApplier {
  private applied: readonly NetOp[] | undefined;
  private essentialOk = false;
  private checks = 0;
  private readonly repairs = new Map<KernelStateKind, number>();
  private last: NetDrift['last'];

  constructor(
    private readonly runner: Runner, private readonly log: Logger, private readonly policy: NetApplierPolicy,
    private readonly sysctl: SysctlPort = runnerSysctl(runner),
    private readonly now: () => number = Date.now,
  ) {}

  /** The essential ops of the last apply hold. */
  get essentialHeld(): boolean {
    return this.essentialOk;
  }

  get drift(): NetDrift {
    return { checks: this.checks, repairs: new Map(this.repairs), ...(this.last ? { last: this.last } : {}) };
  }

  /** `check`: read the kernel even for the set last applied, and put back what was undone. */
  async apply(ops: readonly NetOp[], opts: { readonly check?: boolean } = {}): Promise<NetApplyResult> {
    const same = this.applied !== undefined && isDeepStrictEqual(ops, this.applied);
    if (same && opts.check !== true) return { all: true, essential: this.essentialOk, failed: [], repaired: [] };
    const results = await applyNetOps(this.runner, ops, this.applied ?? [], this.sysctl);
    if (same) this.checks++;
    const repaired = same ? results.filter((r) => r.status === 'changed' && r.action === 'ensure') : [];
    this.countRepairs(repaired);
    const failed = results.filter((r) => r.status === 'failed');
    for (const f of failed) this.log.warn({ op: f.op, action: f.action, err: f.error }, 'kernel operation failed');
    this.essentialOk = failed.every((f) => !this.policy.essential(f.op));
    if (failed.every((f) => this.policy.permanent(f.op))) this.applied = ops;
    return { all: failed.length === 0, essential: this.essentialOk, failed, repaired };
  }

  private countRepairs(repaired: readonly NetOpResult[]): void {
    for (const r of repaired) {
      const kind = kernelStateKind(r.op);
      const what = netOpsText([r.op]).trim().replace(/ +#.*$/, '');
      this.repairs.set(kind, (this.repairs.get(kind) ?? 0) + 1);
      this.last = { at: this.now(), what };
      this.log.warn({ kind, op: r.op }, `kernel drift repaired: ${what} (undone outside the agent)`);
    }
  }
}

/**
 * How often a drift check reads the kernel's links and addresses back: that
 * read is `ip`, a process start, which a slow kernel makes the costliest
 * thing an agent does (IPVS, the speaker and HAProxy are read on sockets, more
 * often).
 */
export const NET_CHECK_MS = 60_000;

/** The status line of the drift checks: how often, how many, the last repair. */
export function netDriftText(d: NetDrift, everyMs: number): string {
  const counts = [...d.repairs].map(([k, n]) => `${k} ${n}`).join(', ');
  const total = [...d.repairs.values()].reduce((a, b) => a + b, 0);
  const last = d.last ? `; last ${new Date(d.last.at).toISOString()}: ${d.last.what}` : '';
  return `kernel state drift check every ${everyMs / 1000} s: ${d.checks} checks, ${total} repairs${counts ? ` (${counts})` : ''}${last}`;
}
