// A fake kernel for the NetApplier: it keeps the ops it was given and can
// refuse the next apply. Role tests use it where the real one runs `ip`.
import type { NetOp } from '../../tiers/common/files.js';
import type { NetApplyResult } from '../../agent/apply/net-applier.js';

export class FakeNet {
  held: readonly NetOp[] = [];
  applies = 0;
  failNext = false;

  get essentialHeld(): boolean {
    return true;
  }

  async apply(ops: readonly NetOp[]): Promise<NetApplyResult> {
    this.applies++;
    if (this.failNext) {
      this.failNext = false;
      return { all: false, essential: false, failed: ops.map((op) => ({ op, action: 'ensure', status: 'failed', error: 'refused by the fake' })) };
    }
    this.held = ops;
    return { all: true, essential: true, failed: [] };
  }
}
