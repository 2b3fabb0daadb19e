// Makes the kernel's IPVS table match the plan and nothing else: read,
// diff, apply the change set, read again to verify. The result says what was
// done and what is still off, so the caller announces only a verified table.
//
// Reading a big table is the cost (1000 services × 50 destinations: about
// half a second through netlink in the lab kernel, twice that through
// ipvsadm), so a caller that holds the table as it last read it (its last
// verify, or its periodic drift check) passes it as `known` and the read
// before the diff is skipped. The verify read still follows; if the kernel
// had moved since (a hand edit), the diff from that read is applied and read
// back once more, so a stale `known` costs a round, never a wrong table.
import { diffIpvs, type IpvsDiff, type IpvsOp } from './diff.js';
import type { IpvsPort } from './port.js';
import type { KernelService } from './kernel.js';
import type { IpvsState } from './model.js';

export type IpvsApplyResult =
  | {
    readonly kind: 'verified';
    readonly applied: readonly IpvsOp[];
    /** Services whose destinations were moved back into Maglev order by this call, with why. */
    readonly reordered: IpvsDiff['orderDrift'];
    /** Services still out of Maglev order after the moves: a kernel that does not keep the order modelled in order.ts. Reported, not retried. */
    readonly orderDrift: IpvsDiff['orderDrift'];
    readonly kernel: readonly KernelService[];
    /** The table the first diff was made from: read now, or the caller's `known`. */
    readonly before: readonly KernelService[];
    /** Whether `before` was read by this call. */
    readonly fresh: boolean;
    /** The verify read that differed from the plan although every operation went in: the kernel had moved since `known`. */
    readonly moved?: readonly KernelService[];
    /** Full-table reads this call made. */
    readonly reads: number;
  }
  | { readonly kind: 'failed'; readonly applied: readonly IpvsOp[]; readonly error: string; readonly remaining: readonly IpvsOp[] };

export async function applyIpvs(port: IpvsPort, desired: IpvsState, known?: readonly KernelService[]): Promise<IpvsApplyResult> {
  let reads = 0;
  const read = async (): Promise<KernelService[]> => { reads++; return port.read(); };
  let before: readonly KernelService[];
  if (known) {
    before = known;
  } else {
    try {
      before = await read();
    } catch (err) {
      return { kind: 'failed', applied: [], error: `cannot read the IPVS table: ${(err as Error).message}`, remaining: [] };
    }
  }
  const diff = diffIpvs(desired, before);
  const result = await port.apply(diff.ops);
  // A refusal after a stale `known` (an edit of a destination deleted by hand) is settled by the round from the verify read.
  if (!result.ok && !known) return { kind: 'failed', applied: [], error: result.error, remaining: diff.ops };
  let after: KernelService[];
  try {
    after = await read();
  } catch (err) {
    return { kind: 'failed', applied: result.ok ? diff.ops : [], error: `cannot read the IPVS table back: ${(err as Error).message}`, remaining: diff.ops };
  }
  let left = diffIpvs(desired, after);
  let moved: KernelService[] | undefined;
  const applied = result.ok ? [...diff.ops] : [];
  const reordered = [...diff.orderDrift];
  if (contentOf(left).length > 0 && known) {
    moved = after;
    const again = await port.apply(left.ops);
    if (!again.ok) return { kind: 'failed', applied, error: again.error, remaining: left.ops };
    applied.push(...left.ops);
    try {
      after = await read();
    } catch (err) {
      return { kind: 'failed', applied, error: `cannot read the IPVS table back: ${(err as Error).message}`, remaining: left.ops };
    }
    reordered.push(...left.orderDrift);
    left = diffIpvs(desired, after);
  }
  const remaining = contentOf(left);
  if (remaining.length > 0) {
    return { kind: 'failed', applied, error: `the kernel still differs from the plan after applying ${applied.length} operation(s)`, remaining };
  }
  return { kind: 'verified', applied, reordered, orderDrift: left.orderDrift, kernel: after, before, fresh: !known, ...(moved ? { moved } : {}), reads };
}

/** The differences in content (services, destinations, weights): what "verified" requires to be none. */
function contentOf(d: IpvsDiff): IpvsOp[] {
  return d.ops.filter((o) => o.op !== 'move-destination');
}
