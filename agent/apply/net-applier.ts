// The node's kernel state (links, addresses, sysctls), owned: the applier
// keeps the ops it last applied, so an unchanged set costs nothing and an
// address that left the plan (a VIP removed from the site) is deleted.
import { isDeepStrictEqual } from 'node:util';
import type { NetOp } from '../../tiers/common/files.js';
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
}

export class NetApplier {
  private applied: readonly NetOp[] | undefined;
  private essentialOk = false;

  constructor(
    private readonly runner: Runner, private readonly log: Logger, private readonly policy: NetApplierPolicy,
    private readonly sysctl: SysctlPort = runnerSysctl(runner),
  ) {}

  /** The essential ops of the last apply hold. */
  get essentialHeld(): boolean {
    return this.essentialOk;
  }

  async apply(ops: readonly NetOp[]): Promise<NetApplyResult> {
    if (this.applied !== undefined && isDeepStrictEqual(ops, this.applied)) return { all: true, essential: this.essentialOk, failed: [] };
    const results = await applyNetOps(this.runner, ops, this.applied ?? [], this.sysctl);
    const failed = results.filter((r) => r.status === 'failed');
    for (const f of failed) this.log.warn({ op: f.op, action: f.action, err: f.error }, 'kernel operation failed');
    this.essentialOk = failed.every((f) => !this.policy.essential(f.op));
    if (failed.every((f) => this.policy.permanent(f.op))) this.applied = ops;
    return { all: failed.length === 0, essential: this.essentialOk, failed };
  }
}
