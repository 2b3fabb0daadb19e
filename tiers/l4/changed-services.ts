// Which services a new IPVS table changes against the verified one, so the
// applier compares and diffs only those: on 1000 services × 50 destinations
// a generic deep equality and a whole-table diff cost tens of milliseconds
// each, while one weight changes one service. Pure.
//
// diffIpvs over the two subsets gives the operations of the whole-table diff,
// in the same order: adds, edits and deletes follow the desired table's
// order, and gone services the verified table's. That holds because a
// service equal in both gives no operation, and the verified table is one a
// kernel held: no two services with one key, no two destinations of a
// service with one address and port. A desired table with two services on
// one key is handed back whole, for diffIpvs to decide as it always does.
import type { IpvsDestination, IpvsService, IpvsState } from './model.js';
import { describeService, sameService } from './service-key.js';

export interface ChangedServices {
  /** Services new or different in the desired table, in its order. */
  readonly desired: IpvsState;
  /** Services different or gone from the verified table, in its order. */
  readonly verified: IpvsState;
  /** Every service equal and in the same order: a table the applier may leave alone. */
  readonly equal: boolean;
}

export function findChangedServices(verified: IpvsState, desired: IpvsState): ChangedServices {
  return inPlace(verified, desired) ?? byKey(verified, desired);
}

/**
 * The usual turn, the same keys in the same order, compared place by place
 * with no index to build; undefined when the keys differ.
 */
function inPlace(verified: IpvsState, desired: IpvsState): ChangedServices | undefined {
  const n = verified.services.length;
  if (desired.services.length !== n) return undefined;
  const wanted: IpvsService[] = [];
  const was: IpvsService[] = [];
  for (let i = 0; i < n; i++) {
    const v = verified.services[i];
    const d = desired.services[i];
    if (v === undefined || d === undefined || !sameService(v, d)) return undefined;
    if (!equalServices(v, d)) {
      wanted.push(d);
      was.push(v);
    }
  }
  return { desired: { services: wanted }, verified: { services: was }, equal: wanted.length === 0 };
}

/** Services added, gone or in another order: matched by key. Never equal tables: their keys differ in place or in number. */
function byKey(verified: IpvsState, desired: IpvsState): ChangedServices {
  const before = indexed(verified.services);
  const after = indexed(desired.services);
  if (!before || !after) return { desired, verified, equal: false };
  const wanted: IpvsService[] = [];
  for (const [id, s] of after) {
    const was = before.get(id);
    if (!was || !equalServices(was, s)) wanted.push(s);
    else before.delete(id);
  }
  return { desired: { services: wanted }, verified: { services: [...before.values()] }, equal: false };
}

/** Services by key, in table order; undefined when two share one. */
function indexed(services: readonly IpvsService[]): Map<string, IpvsService> | undefined {
  const map = new Map<string, IpvsService>();
  for (const s of services) map.set(describeService(s), s);
  return map.size === services.length ? map : undefined;
}

function equalServices(a: IpvsService, b: IpvsService): boolean {
  if (a === b) return true;
  if (a.service !== b.service || a.protocol !== b.protocol || a.vip !== b.vip || a.family !== b.family
    || a.port !== b.port || a.scheduler !== b.scheduler) return false;
  if (a.flags.length !== b.flags.length || a.destinations.length !== b.destinations.length) return false;
  for (let i = 0; i < a.flags.length; i++) if (a.flags[i] !== b.flags[i]) return false;
  for (let i = 0; i < a.destinations.length; i++) {
    const x = a.destinations[i];
    const y = b.destinations[i];
    if (x === undefined || y === undefined || !equalDestinations(x, y)) return false;
  }
  return true;
}

function equalDestinations(a: IpvsDestination, b: IpvsDestination): boolean {
  return a.node === b.node && a.address === b.address && a.port === b.port && a.forwarding === b.forwarding && a.weight === b.weight;
}
