// Kernel table versus plan, as the minimal list of operations. Rules that
// keep connections alive:
// - a destination to drain gets weight 0, never a delete (with
//   expire_nodest_conn=0 the packets of a deleted destination's flows drop);
// - destinations are added in the plan's (Maglev) order. The kernel's order
//   is part of the table (tiers/l4/order.ts): where it differs from the
//   plan's, the destinations after the longest prefix already in order are
//   moved (deleted and at once re-added, so they become the newest, in plan
//   order). A re-added destination comes back from the kernel's trash as the
//   same object, so its connections stay bound to it; only packets arriving
//   in the microseconds between the two operations of one datagram drop (TCP
//   resends them). Two L4 nodes that added the L7 nodes in different orders
//   thereby end with the same Maglev table;
// - operations run adds first, then edits, then deletes, so no service is
//   left without destinations by accident.
// tierlb owns the IPVS table of an L4 node: services not in the plan go,
// whatever their protocol (a UDP service beside a planned TCP one on the same
// VIP:port is another service).
import { type IpvsDestination, type IpvsService, type IpvsState } from './model.js';
import type { KernelService } from './kernel.js';
import { describeService, keyOf, type ServiceKey } from './service-key.js';

export type IpvsOp =
  | { readonly op: 'add-service' | 'edit-service'; readonly service: IpvsService }
  | { readonly op: 'delete-service'; readonly key: ServiceKey }
  | { readonly op: 'add-destination' | 'edit-destination'; readonly key: ServiceKey; readonly destination: IpvsDestination }
  | { readonly op: 'delete-destination'; readonly key: ServiceKey; readonly address: string; readonly port: number }
  /** Delete and re-add at once: the destination becomes the kernel's newest, with the plan's weight. */
  | { readonly op: 'move-destination'; readonly key: ServiceKey; readonly destination: IpvsDestination };

export interface IpvsDiff {
  readonly ops: readonly IpvsOp[];
  /** Services whose kernel destination order differs from the Maglev order (the ops restore it), with how. */
  readonly orderDrift: readonly { readonly key: ServiceKey; readonly detail: string }[];
}

/** The service an operation is on. */
export function opKey(o: IpvsOp): ServiceKey {
  return 'key' in o ? o.key : keyOf(o.service);
}

export function diffIpvs(desired: IpvsState, kernel: readonly KernelService[]): IpvsDiff {
  const actual = new Map(kernel.map((k) => [describeService(k), k]));
  const adds: IpvsOp[] = [];
  const edits: IpvsOp[] = [];
  const deletes: IpvsOp[] = [];
  const orderDrift: { key: ServiceKey; detail: string }[] = [];
  for (const want of desired.services) {
    const key = keyOf(want);
    const id = describeService(key);
    const have = actual.get(id);
    actual.delete(id);
    if (!have) {
      adds.push({ op: 'add-service', service: want });
      for (const d of want.destinations) adds.push({ op: 'add-destination', key, destination: d });
      continue;
    }
    if (have.scheduler !== want.scheduler || have.flags.join(',') !== want.flags.join(',')) edits.push({ op: 'edit-service', service: want });
    diffDestinations(want, have, key, { adds, edits, deletes });
    const drift = orderDriftOf(want, have);
    if (drift) orderDrift.push({ key, detail: drift });
  }
  for (const left of actual.values()) deletes.push({ op: 'delete-service', key: keyOf(left) });
  return { ops: [...adds, ...edits, ...deletes], orderDrift };
}

function diffDestinations(want: IpvsService, have: KernelService, service: ServiceKey, out: { adds: IpvsOp[]; edits: IpvsOp[]; deletes: IpvsOp[] }): void {
  const destKey = (a: string, p: number): string => `${a} ${p}`;
  const present = new Map(have.destinations.map((d) => [destKey(d.address, d.port), d]));
  const inPlace = new Set(inOrderPrefix(want, have).map((d) => destKey(d.address, d.port)));
  for (const d of want.destinations) {
    const k = destKey(d.address, d.port);
    const kd = present.get(k);
    present.delete(k);
    if (!kd) out.adds.push({ op: 'add-destination', key: service, destination: d });
    else if (!inPlace.has(k)) out.adds.push({ op: 'move-destination', key: service, destination: d });
    else if (kd.weight !== d.weight || kd.forwarding !== 'tunnel') out.edits.push({ op: 'edit-destination', key: service, destination: d });
  }
  for (const gone of present.values()) out.deletes.push({ op: 'delete-destination', key: service, address: gone.address, port: gone.port });
}

/**
 * The longest prefix of the plan's destinations that the kernel already
 * holds in that relative order (others may sit between them: they move out
 * or go). These stay; everything after them is added or moved behind them.
 */
function inOrderPrefix(want: IpvsService, have: KernelService): IpvsDestination[] {
  const position = new Map(have.destinations.map((d, i) => [`${d.address} ${d.port}`, i]));
  const prefix: IpvsDestination[] = [];
  let last = -1;
  for (const d of want.destinations) {
    const at = position.get(`${d.address} ${d.port}`);
    if (at === undefined || at < last) break;
    prefix.push(d);
    last = at;
  }
  return prefix;
}

/** Why destinations of this service move, or undefined when none does. */
function orderDriftOf(want: IpvsService, have: KernelService): string | undefined {
  const present = new Set<string>(have.destinations.map((d) => d.address));
  const moved = want.destinations.slice(inOrderPrefix(want, have).length).map((d) => d.address).filter((a) => present.has(a));
  if (moved.length === 0) return undefined;
  const wanted = new Set<string>(want.destinations.map((d) => d.address));
  const kept = have.destinations.filter((d) => wanted.has(d.address)).map((d) => d.address);
  const planned = want.destinations.map((d) => d.address).filter((a) => present.has(a));
  const how = `restored by moving ${moved.join(', ')} behind the others (each deleted and re-added at once)`;
  if (kept.join(' ') !== planned.join(' ')) return `kernel order ${kept.join(', ')} (oldest first) differs from the Maglev order ${planned.join(', ')}; ${how}`;
  const missing = want.destinations.map((d) => d.address).filter((a) => !present.has(a));
  return `${missing.join(', ')} missing from the kernel belong(s) before ${moved.join(', ')} in the Maglev order ${want.destinations.map((d) => d.address).join(', ')}; ${how}`;
}
