// `ip -ts monitor route` output as events: when each route to a VIP changed,
// from the router's own clock. A multipath route spans several lines (one
// tab-indented `nexthop` line per hop). Pure.

export interface RouteEvent {
  /** ms since the epoch (ip prints the local time with microseconds). */
  readonly at: number;
  readonly dst: string;
  readonly deleted: boolean;
  /** Next-hop addresses: `via X` of a single-path route, or every `nexthop via X`. */
  readonly hops: readonly string[];
  /** The router whose monitor printed it, when the reader said. */
  readonly router?: string;
}

const HEAD = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\]\s+(Deleted\s+)?(\S+)(.*)$/;

/** Local time with up to microseconds → ms since the epoch; NaN if not a time. */
function localTime(text: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?$/.exec(text);
  if (!m?.[1]) return Number.NaN;
  const frac = Number(`0.${m[2] ?? '0'}`);
  return new Date(m[1]).getTime() + frac * 1000;
}

export function parseRouteEvents(text: string, router?: string): RouteEvent[] {
  const out: { at: number; dst: string; deleted: boolean; hops: string[]; router?: string }[] = [];
  for (const line of text.split('\n')) {
    const head = HEAD.exec(line);
    if (head?.[1] && head[3]) {
      const at = localTime(head[1]);
      if (!Number.isFinite(at)) continue;
      const via = /\bvia (?:inet6 )?(\S+)/.exec(head[4] ?? '');
      out.push({ at, dst: head[3].replace(/\/(32|128)$/, ''), deleted: head[2] !== undefined, hops: via?.[1] ? [via[1]] : [], ...(router !== undefined ? { router } : {}) });
      continue;
    }
    const hop = /^\s+nexthop\s+via\s+(?:inet6 )?(\S+)/.exec(line);
    const last = out[out.length - 1];
    if (hop?.[1] && last) last.hops.push(hop[1]);
  }
  return out;
}

/** First and last change to any of `vips` in [from, to]: when the tables started and stopped moving. */
export function vipChanges(events: readonly RouteEvent[], vips: readonly string[], from: number, to = Infinity): { first: number; last: number; count: number } | undefined {
  const mine = events.filter((e) => vips.includes(e.dst) && e.at >= from && e.at <= to);
  if (mine.length === 0) return undefined;
  return { first: Math.min(...mine.map((e) => e.at)), last: Math.max(...mine.map((e) => e.at)), count: mine.length };
}

/**
 * Each router's next hops to each of `vips` as the events after `from` left
 * them: the last event wins, a deletion leaves none. A VIP whose route did
 * not change since `from` is absent: the events alone do not know it.
 */
export function hopsSince(events: readonly RouteEvent[], vips: readonly string[], from: number): Map<string, Map<string, readonly string[]>> {
  const out = new Map<string, Map<string, readonly string[]>>();
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    if (e.at < from || !vips.includes(e.dst) || e.router === undefined) continue;
    const table = out.get(e.router) ?? new Map<string, readonly string[]>();
    table.set(e.dst, e.deleted ? [] : e.hops);
    out.set(e.router, table);
  }
  return out;
}
