// What an edit of the site does to one IPVS service's Maglev table on an L4
// node that held the table before it: which L7 nodes join, leave or change
// weight, and how many slots change L7 node, at the edit (a leaving node at
// weight 0 still holds its slots) and once the leaving nodes are gone. The
// kernel list is followed through the applier's own diff, so an L7 node
// inserted in the middle counts with the destinations the applier moves
// behind it. Pure.
import type { Token } from '../../../site/index.js';
import { trackDepartures, withDepartures } from '../departures.js';
import { differingSlots } from '../maglev/index.js';
import type { IpvsDestination, IpvsService } from '../model.js';
import { converge, listOf, tableOfList, type ListedDestination } from './kernel-list.js';

export interface EditPhase {
  /** The kernel's list then, oldest first, as L7 node names. */
  readonly order: readonly Token[];
  /** Slots whose L7 node differs from the table before the edit. */
  readonly moved: number;
}

export interface ServiceEditImpact {
  readonly joins: readonly IpvsDestination[];
  readonly leaves: readonly IpvsDestination[];
  readonly reweighted: readonly { readonly node: Token; readonly from: number; readonly to: number }[];
  /** Right after the edit: leaving L7 nodes at weight 0, still in the table. */
  readonly atEdit: EditPhase;
  /** Once the leaving L7 nodes are deleted (their departure bound passed, or their connections ended). */
  readonly afterLeaving: EditPhase;
  /** The same edit with the new L7 nodes appended and the others in their old order; absent when that is the edit. */
  readonly appended?: { readonly atEdit: EditPhase; readonly afterLeaving: EditPhase };
}

export function serviceEditImpact(before: IpvsService, after: IpvsService): ServiceEditImpact {
  const had = new Map(before.destinations.map((d) => [d.address, d]));
  const has = new Set<string>(after.destinations.map((d) => d.address));
  const phases = followEdit(before, after);
  const appendedOrder = appended(before, after);
  const reordered = appendedOrder.destinations.some((d, i) => d.address !== after.destinations[i]?.address);
  return {
    joins: after.destinations.filter((d) => !had.has(d.address)),
    leaves: before.destinations.filter((d) => !has.has(d.address)),
    reweighted: after.destinations.flatMap((d) => {
      const was = had.get(d.address);
      return was && was.weight !== d.weight ? [{ node: d.node, from: was.weight, to: d.weight }] : [];
    }),
    ...phases,
    ...(reordered ? { appended: followEdit(before, appendedOrder) } : {}),
  };
}

/** The two tables an L4 node goes through, as the applier and the departures logic make them. */
function followEdit(before: IpvsService, after: IpvsService): { atEdit: EditPhase; afterLeaving: EditPhase } {
  const start = listOf(before);
  const departures = trackDepartures({ services: [before] }, { services: [after] }, [], 0);
  const withLeaving = withDepartures({ services: [after] }, { services: [before] }, departures).services[0] ?? after;
  const atEdit = converge(start, withLeaving);
  const afterLeaving = converge(atEdit, after);
  return { atEdit: phase(before, start, atEdit), afterLeaving: phase(before, start, afterLeaving) };
}

function phase(service: IpvsService, start: readonly ListedDestination[], now: readonly ListedDestination[]): EditPhase {
  return { order: now.map((d) => d.node), moved: differingSlots(tableOfList(service, start), tableOfList(service, now)) };
}

/** `after` with the L7 nodes `before` had first, in their old order, and the new ones after them. */
function appended(before: IpvsService, after: IpvsService): IpvsService {
  const kept = before.destinations.flatMap((b) => after.destinations.filter((d) => d.address === b.address));
  const added = after.destinations.filter((d) => !before.destinations.some((b) => b.address === d.address));
  return { ...after, destinations: [...kept, ...added] };
}
