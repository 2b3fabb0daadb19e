// One service's destination list as an L4 node's kernel keeps it through a
// change: oldest first, each with the weight the mh scheduler builds its
// table from. The kernel keeps that last non-zero weight (last_weight) apart
// from the current one, so a destination lowered to 0 keeps its slots; the
// list here carries it because `ipvsadm -Ln` does not show it. Pure.
import type { IpAddress, Token } from '../../../site/index.js';
import { diffIpvs, type IpvsOp } from '../diff.js';
import type { KernelService } from '../kernel.js';
import { buildMaglevTable, type MaglevTable } from '../maglev/index.js';
import type { IpvsService } from '../model.js';

export interface ListedDestination {
  readonly node: Token;
  readonly address: IpAddress;
  readonly port: number;
  readonly weight: number;
  /** The weight the table is built from: the last non-zero one, or the one it was added with. */
  readonly lastWeight: number;
}

/** The list of an L4 node that holds `service` as planned: the applier adds in plan order. */
export function listOf(service: IpvsService): ListedDestination[] {
  return service.destinations.map((d) => ({ node: d.node, address: d.address, port: d.port, weight: d.weight, lastWeight: d.weight }));
}

/** The list after the agent's applier has made the kernel match `desired`, with the operations its diff chooses. */
export function converge(list: readonly ListedDestination[], desired: IpvsService): ListedDestination[] {
  const { ops } = diffIpvs({ services: [desired] }, [kernelServiceOf(desired, list)]);
  return ops.reduce(applyOp, [...list]);
}

/** The list as the applier's diff reads it back from the kernel. */
function kernelServiceOf(service: IpvsService, list: readonly ListedDestination[]): KernelService {
  return {
    protocol: service.protocol, vip: service.vip, port: service.port, scheduler: service.scheduler, flags: [...service.flags],
    destinations: list.map((d) => ({ address: d.address, port: d.port, forwarding: 'tunnel', weight: d.weight, activeConns: 0, inactiveConns: 0 })),
  };
}

/**
 * One operation as the kernel applies it: an add goes last (newest), a move
 * is a delete and an add, so it goes last too, keeping the last weight it
 * had if it comes back at 0; an edit changes the weight in place.
 */
function applyOp(list: ListedDestination[], op: IpvsOp): ListedDestination[] {
  if (op.op === 'add-destination') return [...list, { ...fromOp(op.destination), lastWeight: op.destination.weight }];
  if (op.op === 'move-destination') {
    const was = list.find((d) => d.address === op.destination.address && d.port === op.destination.port);
    const rest = list.filter((d) => d !== was);
    return [...rest, { ...fromOp(op.destination), lastWeight: op.destination.weight > 0 ? op.destination.weight : (was?.lastWeight ?? 0) }];
  }
  if (op.op === 'edit-destination') {
    return list.map((d) => (d.address === op.destination.address && d.port === op.destination.port
      ? { ...d, weight: op.destination.weight, lastWeight: op.destination.weight > 0 ? op.destination.weight : d.lastWeight }
      : d));
  }
  if (op.op === 'delete-destination') return list.filter((d) => !(d.address === op.address && d.port === op.port));
  return list;
}

function fromOp(d: IpvsService['destinations'][number]): Omit<ListedDestination, 'lastWeight'> {
  return { node: d.node, address: d.address, port: d.port, weight: d.weight };
}

/** The Maglev table the kernel builds from `list` for `service`. */
export function tableOfList(service: IpvsService, list: readonly ListedDestination[]): MaglevTable {
  return buildMaglevTable({
    family: service.family,
    flags: service.flags,
    realServers: list.map((d) => ({ address: d.address, port: d.port, weight: d.weight, lastWeight: d.lastWeight })),
  });
}
