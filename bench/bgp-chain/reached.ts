// Reading the routers and reflectors: when each router's kernel route to the
// VIP reached the expected next hops (from `ip -ts monitor route` events),
// a route's next hops from `ip route show`, and the peers a gobgpd says are
// established. Pure.
import type { RouteEvent } from '../../lab/guest/route-events.js';

const hopsKey = (hops: readonly string[]): string => [...hops].sort().join(' ');

/** Next hops of `ip route show DST`: `via X` of a single path, or every `nexthop via X`; sorted, none for no route. */
export function routeHops(text: string): string[] {
  return [...text.matchAll(/\bvia (?:inet6 )?(\S+)/g)].map((m) => m[1] ?? '').filter(Boolean).sort();
}

export interface KernelHops {
  /** The first change to the VIP's route on any router, at or after `from`. */
  readonly first: number | null;
  /** When the last router reached `expected`; null until every router has. */
  readonly every: number | null;
  /** Routers that reached `expected`, by name, with when. */
  readonly reached: ReadonlyMap<string, number>;
  readonly changes: number;
}

/** The routers' side of one action: events of other routes, and before `from`, do not count. */
export function kernelHops(events: readonly RouteEvent[], vip: string, routers: readonly string[], from: number, expected: readonly string[]): KernelHops {
  const want = hopsKey(expected);
  const mine = events.filter((e) => e.dst === vip && e.at >= from && e.router !== undefined).sort((a, b) => a.at - b.at);
  const reached = new Map<string, number>();
  for (const e of mine) {
    const router = e.router ?? '';
    if (!reached.has(router) && hopsKey(e.deleted ? [] : e.hops) === want) reached.set(router, e.at);
  }
  const all = routers.map((r) => reached.get(r));
  const every = all.length > 0 && all.every((t) => t !== undefined) ? Math.max(...(all as number[])) : null;
  return { first: mine[0]?.at ?? null, every, reached, changes: mine.length };
}

/** `gobgp neighbor`: the addresses whose state column says Establ. */
export function establishedNeighbors(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+\d+\s+\S+\s+(\S+)/.exec(line);
    if (m?.[1] && m[2] === 'Establ') out.add(m[1]);
  }
  return out;
}
