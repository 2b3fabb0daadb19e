// Makes the kernel's IPVS table match the plan and nothing else: read,
// diff, apply the change set, read again to verify. The result says what was
// done and what is still off, so the caller announces only a verified table.
import { diffIpvs, type IpvsDiff, type IpvsOp } from './diff.js';
import type { IpvsPort } from './ipvs-port.js';
import type { KernelService } from './kernel.js';
import type { IpvsState } from './model.js';

export type IpvsApplyResult =
  | { readonly kind: 'verified'; readonly applied: readonly IpvsOp[]; readonly orderDrift: IpvsDiff['orderDrift']; readonly kernel: readonly KernelService[] }
  | { readonly kind: 'failed'; readonly applied: readonly IpvsOp[]; readonly error: string; readonly remaining: readonly IpvsOp[] };

export async function applyIpvs(port: IpvsPort, desired: IpvsState): Promise<IpvsApplyResult> {
  let before: KernelService[];
  try {
    before = await port.read();
  } catch (err) {
    return { kind: 'failed', applied: [], error: `cannot read the IPVS table: ${(err as Error).message}`, remaining: [] };
  }
  const diff = diffIpvs(desired, before);
  const result = await port.apply(diff.ops);
  if (!result.ok) return { kind: 'failed', applied: [], error: result.error, remaining: diff.ops };
  const after = await port.read();
  const left = diffIpvs(desired, after);
  if (left.ops.length > 0) {
    return { kind: 'failed', applied: diff.ops, error: `the kernel still differs from the plan after applying ${diff.ops.length} operation(s)`, remaining: left.ops };
  }
  return { kind: 'verified', applied: diff.ops, orderDrift: left.orderDrift, kernel: after };
}
