// The IpvsPort over ipvsadm: reads the table in one listing and applies a
// whole change set in one `ipvsadm -R` (one fork per change set, never one
// per destination).
import { execa } from 'execa';
import { parseIpvsList } from '../../../tiers/l4/kernel.js';
import { ipvsOpsText } from '../../../tiers/l4/ops-text.js';
import type { IpvsPort } from '../../../tiers/l4/port.js';

/**
 * How long one `ipvsadm -R` may take: 30 s, and 1 ms more per operation. A
 * first apply of 1000 services × 50 destinations took 44 s in the lab's
 * user-mode-linux kernel; a flat bound ended it every time.
 */
export function restoreBoundMs(operations: number): number {
  return 30_000 + operations;
}

/** Why an `ipvsadm -R` failed, in words: its exit code and message, or the bound it ran into. */
export function restoreFailure(r: { readonly exitCode?: number | undefined; readonly timedOut?: boolean; readonly signal?: string | undefined; readonly stderr: string }, operations: number): string {
  if (r.timedOut) return `ipvsadm -R of ${operations} operation(s) did not finish within ${restoreBoundMs(operations) / 1000} s`;
  if (r.exitCode === undefined) return `ipvsadm -R was ended by ${r.signal ?? 'a signal'}`;
  return `ipvsadm -R exited ${r.exitCode}: ${r.stderr.trim()}`;
}

export function ipvsadmPort(bin = 'ipvsadm'): IpvsPort {
  return {
    async read() {
      const r = await execa(bin, ['-Ln', '--nosort'], { timeout: 10000 });
      return parseIpvsList(r.stdout);
    },
    async apply(ops) {
      if (ops.length === 0) return { ok: true };
      const r = await execa(bin, ['-R'], { input: ipvsOpsText(ops), reject: false, timeout: restoreBoundMs(ops.length) });
      return r.exitCode === 0 ? { ok: true } : { ok: false, error: restoreFailure(r, ops.length) };
    },
  };
}
