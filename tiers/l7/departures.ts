// An L7 node removed from a service keeps the service's VIP addresses for a
// while: the L4 nodes keep sending it the flows it already holds (weight 0,
// tiers/l4/departures.ts) and HAProxy's previous worker keeps serving them,
// but a decapsulated packet for an address the node no longer has is
// dropped, and each such flow would hang until its user gave up. So an
// address the plan no longer has, whose VIP another node still serves, stays
// until the service's departure bound has passed since the node left it. A
// VIP gone from the site goes at once: no L4 node sends it anything any more.
// Pure.
import type { Site } from '../../site/index.js';
import { departureBoundMs } from '../common/departure-bound.js';
import type { NetOp } from '../common/files.js';

type AddressOp = Extract<NetOp, { kind: 'address' }>;

export interface AddressDeparture {
  readonly op: AddressOp;
  /** When the plan first lacked it. */
  readonly since: number;
  /** Until when it stays: since plus the bound of the service that still has the VIP. */
  readonly until: number;
}

const keyOf = (op: AddressOp): string => `${op.device} ${op.address}/${op.prefixLength}`;
const addresses = (ops: readonly NetOp[]): AddressOp[] => ops.filter((o): o is AddressOp => o.kind === 'address');

/**
 * The addresses leaving after this turn: those of `previous` (the last
 * planned ops, leaving ones included) that `next` lacks, whose VIP a service
 * of `site` still has, carrying over the start of `known` ones; and only
 * until their bound.
 */
export function trackAddressDepartures(site: Site, previous: readonly NetOp[], next: readonly NetOp[], known: readonly AddressDeparture[], now: number): AddressDeparture[] {
  const planned = new Set(addresses(next).map(keyOf));
  const since = new Map(known.map((d) => [keyOf(d.op), d.since]));
  return addresses(previous).filter((op) => !planned.has(keyOf(op))).flatMap((op) => {
    const service = site.services.find((s) => s.vips.some((v) => v === op.address));
    if (!service) return [];
    const start = since.get(keyOf(op)) ?? now;
    const until = start + departureBoundMs(service);
    return until > now ? [{ op, since: start, until }] : [];
  });
}

/** `next` with the leaving addresses kept, after everything else. */
export function withLeavingAddresses(next: readonly NetOp[], leaving: readonly AddressDeparture[]): NetOp[] {
  return [...next, ...leaving.map((d) => ({ ...d.op, why: `VIP ${d.op.address} left this node's services: kept until the flows it holds have ended` }))];
}
