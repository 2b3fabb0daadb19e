// What one kill of a router's BIRD did to the VIP's kernel route, from the
// samples taken after it: how long the route had fewer next hops than it
// should (or none), and when BIRD's graceful-restart recovery ended. Then
// p50 / p99 / max over the runs. Pure.
import { quantile } from '../reactions/stats.js';

/** One reading of the kernel route: ms since the kill, and its next hops (0: no route). */
export interface RouteSample {
  readonly at: number;
  readonly hops: number;
}

export interface RunOutage {
  /** Time the route had fewer than `want` next hops, summed over the sample intervals that started so. */
  readonly shortMs: number;
  /** Of which the route was gone. */
  readonly goneMs: number;
  /** First and last sample short of `want` (ms since the kill); null when none was. */
  readonly firstShortAt: number | null;
  readonly lastShortAt: number | null;
  readonly samples: number;
  /** The longest interval between two samples: a gap shorter than this may go unseen. */
  readonly worstIntervalMs: number;
}

/**
 * A sample short of `want` counts until the next sample; the last sample
 * counts for nothing (the window ends there). Samples need not be sorted.
 */
export function runOutage(samples: readonly RouteSample[], want: number): RunOutage {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  let shortMs = 0;
  let goneMs = 0;
  let worstIntervalMs = 0;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const s = sorted[i] as RouteSample;
    const span = (sorted[i + 1] as RouteSample).at - s.at;
    worstIntervalMs = Math.max(worstIntervalMs, span);
    if (s.hops < want) shortMs += span;
    if (s.hops === 0) goneMs += span;
  }
  const short = sorted.filter((s) => s.hops < want);
  return {
    shortMs, goneMs,
    firstShortAt: short[0]?.at ?? null,
    lastShortAt: short[short.length - 1]?.at ?? null,
    samples: sorted.length,
    worstIntervalMs,
  };
}

export interface Figures {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly n: number;
}

export function figures(xs: readonly number[]): Figures {
  return { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: xs.length > 0 ? Math.max(...xs) : null, n: xs.length };
}

/** `ip -j route show DST`: next hops of the route, 0 when there is none. */
export function hopsOfJson(text: string): number {
  const routes = JSON.parse(text.trim() === '' ? '[]' : text) as { gateway?: string; nexthops?: unknown[] }[];
  const route = routes[0];
  if (route === undefined) return 0;
  return route.nexthops?.length ?? (route.gateway !== undefined ? 1 : 0);
}
