// The IpvsPort over ipvsadm: reads the table in one listing and applies a
// whole change set in one `ipvsadm -R` (one fork per change set, never one
// per destination).
import { execa } from 'execa';
import { parseIpvsList } from '../../../tiers/l4/kernel.js';
import { ipvsOpsText } from '../../../tiers/l4/ops-text.js';
import type { IpvsPort } from '../../../tiers/l4/port.js';

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
