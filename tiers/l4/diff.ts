// Kernel table versus plan, as the minimal list of operations. Rules that
// keep connections alive:
// - a destination to drain gets weight 0, never a delete (with
//   expire_nodest_conn=0 the packets of a deleted destination's flows drop);
// - destinations are added in the plan's (Maglev) order and never deleted and
//   re-added to reorder; an order that differs is reported, not "fixed";
// - operations run adds first, then edits, then deletes, so no service is
//   left without destinations by accident.
// tierlb owns the IPVS table of an L4 node: services not in the plan go.
import { type IpvsDestination, type IpvsService, type IpvsState } from './model.js';
import { kernelEndpoint, type KernelService } from './kernel.js';

export type IpvsOp =
  | { readonly op: 'add-service' | 'edit-service'; readonly service: IpvsService }
  | { readonly op: 'delete-service'; readonly target: string }
  | { readonly op: 'add-destination' | 'edit-destination'; readonly target: string; readonly destination: IpvsDestination }
  | { readonly op: 'delete-destination'; readonly target: string; readonly address: string; readonly port: number };

export interface IpvsDiff {
  readonly ops: readonly IpvsOp[];
  /** Services whose kernel destination order differs from the canonical one, with why. */
  readonly orderDrift: readonly { readonly target: string; readonly detail: string }[];
}

const serviceKey = (protocol: string, vip: string, port: number): string => `${protocol} ${kernelEndpoint(vip, port)}`;

export function diffIpvs(desired: IpvsState, kernel: readonly KernelService[]): IpvsDiff {
  const actual = new Map(kernel.map((k) => [serviceKey(k.protocol, k.vip, k.port), k]));
  const adds: IpvsOp[] = [];
  const edits: IpvsOp[] = [];
  const deletes: IpvsOp[] = [];
  const orderDrift: { target: string; detail: string }[] = [];
  for (const want of desired.services) {
    const key = serviceKey(want.protocol, want.vip, want.port);
    const target = kernelEndpoint(want.vip, want.port);
    const have = actual.get(key);
    actual.delete(key);
    if (!have) {
      adds.push({ op: 'add-service', service: want });
      for (const d of want.destinations) adds.push({ op: 'add-destination', target, destination: d });
      continue;
    }
    if (have.scheduler !== want.scheduler || have.flags.join(',') !== want.flags.join(',')) edits.push({ op: 'edit-service', service: want });
    diffDestinations(want, have, target, { adds, edits, deletes });
    const drift = orderDriftOf(want, have);
    if (drift) orderDrift.push({ target, detail: drift });
  }
  for (const left of actual.values()) deletes.push({ op: 'delete-service', target: kernelEndpoint(left.vip, left.port) });
  return { ops: [...adds, ...edits, ...deletes], orderDrift };
}

function diffDestinations(want: IpvsService, have: KernelService, target: string, out: { adds: IpvsOp[]; edits: IpvsOp[]; deletes: IpvsOp[] }): void {
  const key = (a: string, p: number): string => `${a} ${p}`;
  const present = new Map(have.destinations.map((d) => [key(d.address, d.port), d]));
  for (const d of want.destinations) {
    const k = present.get(key(d.address, d.port));
    present.delete(key(d.address, d.port));
    if (!k) out.adds.push({ op: 'add-destination', target, destination: d });
    else if (k.weight !== d.weight || k.forwarding !== 'tunnel') out.edits.push({ op: 'edit-destination', target, destination: d });
  }
  for (const gone of present.values()) out.deletes.push({ op: 'delete-destination', target, address: gone.address, port: gone.port });
}

/** The order the kernel will hold after the diff is applied (kept ones, then appended), against the plan's. */
function orderDriftOf(want: IpvsService, have: KernelService): string | undefined {
  const wanted = new Set<string>(want.destinations.map((d) => d.address));
  const kept = have.destinations.filter((d) => wanted.has(d.address)).map((d) => d.address);
  const appended = want.destinations.map((d): string => d.address).filter((a) => !kept.includes(a));
  const after = [...kept, ...appended];
  const canonical = want.destinations.map((d) => d.address);
  if (after.join(' ') === canonical.join(' ')) return undefined;
  return `kernel order ${after.join(', ')} differs from the Maglev order ${canonical.join(', ')}; ` +
    'flows may land on other L7 nodes than on L4 nodes with the canonical order until this table is rebuilt in a maintenance window';
}
