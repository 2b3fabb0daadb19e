// The L4 applier's one door to the kernel: read the table in one listing,
// apply a whole change set in one call. The implementations (ipvsadm, the
// netlink addon) are effects and live in agent/drivers/ipvs/.
import type { IpvsOp } from './diff.js';
import type { KernelService } from './kernel.js';

export interface IpvsPort {
  read(): Promise<KernelService[]>;
  apply(ops: readonly IpvsOp[]): Promise<{ ok: true } | { ok: false; error: string }>;
}
