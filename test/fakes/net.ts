// A fake kernel for the NetApplier: it keeps the ops it was given, can
// refuse the next apply, and can lose ops behind the agent's back (drift)
// that the next apply with `check` puts back. Role tests use it where the
// real one runs `ip`.
import type { NetOp } from '../../tiers/common/files.js';
import { kernelStateKind, type NetApplyResult, type NetDrift } from '../../agent/apply/net-applier.js';

export class FakeNet {
  held: readonly NetOp[] = [];
  applies = 0;
  private checked = 0;
  failNext = false;
  private applied: readonly NetOp[] | undefined;
  private readonly repairs = new Map<ReturnType<typeof kernelStateKind>, number>();

  get essentialHeld(): boolean {
    return true;
  }

  get drift(): NetDrift {
    return { checks: this.checked, repairs: new Map(this.repairs) };
  }

  /** Something outside the agent undoes the ops `lost` picks. */
  lose(lost: (op: NetOp) => boolean): void {
    this.held = this.held.filter((op) => !lost(op));
  }

  async apply(ops: readonly NetOp[], opts: { readonly check?: boolean } = {}): Promise<NetApplyResult> {
    this.applies++;
    if (this.failNext) {
      this.failNext = false;
      return { all: false, essential: false, failed: ops.map((op) => ({ op, action: 'ensure', status: 'failed', error: 'refused by the fake' })), repaired: [] };
    }
    // As the real one: a set equal to the last applied is left alone unless a drift check is asked for.
    const same = JSON.stringify(ops) === JSON.stringify(this.applied);
    if (same && opts.check !== true) return { all: true, essential: true, failed: [], repaired: [] };
    if (same) this.checked++;
    const repaired = same ? ops.filter((op) => !this.held.some((h) => JSON.stringify(h) === JSON.stringify(op))) : [];
    for (const op of repaired) this.repairs.set(kernelStateKind(op), (this.repairs.get(kernelStateKind(op)) ?? 0) + 1);
    this.held = ops;
    this.applied = ops;
    return { all: true, essential: true, failed: [], repaired: repaired.map((op) => ({ op, action: 'ensure', status: 'changed' })) };
  }
}
