// An L7 node removed from a service leaves the IPVS table in two steps:
// first it stays with weight 0 (quiescent: Maglev sends it no new flow, its
// flows keep their connection entries and finish), then it goes once the
// kernel shows none of its connections left, or once the service's longest
// HAProxy timeout has passed since it left the site (an idle connection is
// gone by then at HAProxy anyway). Deleting it at once would drop the
// packets of every flow it still carries (expire_nodest_conn=0). Pure.
import type { Site } from '../../site/index.js';
import { departureBoundMs } from '../common/departure-bound.js';
import type { KernelService } from './kernel.js';
import type { IpvsDestination, IpvsService, IpvsState } from './model.js';

export interface Departure {
  readonly vip: string;
  readonly port: number;
  readonly protocol: string;
  /** As it was last planned; it is kept with weight 0. */
  readonly destination: IpvsDestination;
  /** When the plan first lacked it. */
  readonly since: number;
}

const keyOf = (s: { protocol: string; vip: string; port: number }, address: string): string => `${s.protocol} ${s.vip} ${s.port} ${address}`;

/**
 * The departures after this turn: destinations of `previous` (the last
 * planned table, departing ones included) that `next` lacks, carrying over
 * `known` ones' start, and only while their service is still planned.
 */
export function trackDepartures(previous: IpvsState | undefined, next: IpvsState, known: readonly Departure[], now: number): Departure[] {
  const since = new Map(known.map((d) => [keyOf(d, d.destination.address), d.since]));
  const planned = new Map(next.services.map((s) => [keyOf(s, ''), new Set<string>(s.destinations.map((d) => d.address))]));
  return (previous?.services ?? []).flatMap((s) => {
    const kept = planned.get(keyOf(s, ''));
    if (!kept) return [];
    return s.destinations.filter((d) => !kept.has(d.address)).map((d) => ({
      vip: s.vip, port: s.port, protocol: s.protocol, destination: { ...d, weight: 0 }, since: since.get(keyOf(s, d.address)) ?? now,
    }));
  });
}

/** The kernel's table as last read, and when. */
export interface KernelReading {
  readonly table: readonly KernelService[];
  readonly at: number;
}

/**
 * The departures still to keep: within the service's bound, and with
 * connections left, or not known to have none: only a table read after the
 * node left can say its connections are gone.
 */
export function stillDeparting(site: Site, departures: readonly Departure[], kernel: KernelReading | undefined, now: number): Departure[] {
  return departures.filter((d) => {
    const bound = departureBoundMs(site.services.find((s) => s.vips.some((v) => v === d.vip)));
    if (now - d.since >= bound) return false;
    if (kernel === undefined || kernel.at <= d.since) return true;
    const k = kernel.table.find((s) => s.protocol === d.protocol && s.vip === d.vip && s.port === d.port)?.destinations.find((x) => x.address === d.destination.address);
    return k !== undefined && k.activeConns + k.inactiveConns > 0;
  });
}

export { departureBoundMs } from '../common/departure-bound.js';

/** `next` with each departing destination back in, weight 0, after the destination that preceded it. */
export function withDepartures(next: IpvsState, previous: IpvsState | undefined, departures: readonly Departure[]): IpvsState {
  if (departures.length === 0) return next;
  return { services: next.services.map((s) => {
    const leaving = departures.filter((d) => d.protocol === s.protocol && d.vip === s.vip && d.port === s.port);
    if (leaving.length === 0) return s;
    const before = previous?.services.find((p) => keyOf(p, '') === keyOf(s, ''))?.destinations ?? [];
    return { ...s, destinations: placeDepartures(s, before, leaving.map((d) => d.destination)) };
  }) };
}

/** Keeps the Maglev order the kernel has: each departing destination goes back after its former predecessor. */
function placeDepartures(s: IpvsService, before: readonly IpvsDestination[], leaving: readonly IpvsDestination[]): IpvsDestination[] {
  const out = [...s.destinations];
  for (const d of leaving) {
    const at = before.findIndex((b) => b.address === d.address);
    const predecessor = before.slice(0, Math.max(0, at)).reverse().find((b) => out.some((o) => o.address === b.address));
    const index = predecessor ? out.findIndex((o) => o.address === predecessor.address) + 1 : 0;
    out.splice(index, 0, d);
  }
  return out;
}
