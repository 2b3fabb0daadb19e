// The L4 applier's one door to the kernel. The ipvsadm implementation reads
// the table in one listing and applies a whole change set in one `ipvsadm -R`
// (one fork per change set, never one per destination). The netlink addon
// will implement the same interface.
import { execa } from 'execa';
import type { IpvsOp } from './diff.js';
import { parseIpvsList, type KernelService } from './kernel.js';
import { ipvsOpsText } from './ops-text.js';

export interface IpvsPort {
  read(): Promise<KernelService[]>;
  apply(ops: readonly IpvsOp[]): Promise<{ ok: true } | { ok: false; error: string }>;
}

export function ipvsadmPort(bin = 'ipvsadm'): IpvsPort {
  return {
    async read() {
      const r = await execa(bin, ['-Ln', '--nosort'], { timeout: 10000 });
      return parseIpvsList(r.stdout);
    },
    async apply(ops) {
      if (ops.length === 0) return { ok: true };
      const r = await execa(bin, ['-R'], { input: ipvsOpsText(ops), reject: false, timeout: 30000 });
      return r.exitCode === 0 ? { ok: true } : { ok: false, error: `ipvsadm -R exited ${r.exitCode}: ${r.stderr.trim()}` };
    },
  };
}
