// From samples to the figures the table shows: per hop, the time spent in it
// (this hop's instant minus the one before, over the repetitions that saw
// both) and the instant itself from the action, each as p50 and p99, and the
// hop where the most time goes. Pure.
import { SIGNALS, type Sample, type SignalRun } from './samples.js';

/** The q-quantile (0..1) of `xs` by the nearest-rank method; null for none. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? null;
}

export interface HopFigures {
  readonly hop: string;
  /** Time in this hop (from the previous hop, or from the action for the first). */
  readonly spentP50: number | null;
  readonly spentP99: number | null;
  /** This hop's instant from the action. */
  readonly atP50: number | null;
  readonly atP99: number | null;
  /** Repetitions that saw this hop. */
  readonly seen: number;
}

export interface SignalFigures {
  readonly signal: string;
  readonly speaker: string;
  readonly reps: number;
  readonly hops: readonly HopFigures[];
  /** The whole reaction (the last hop), p50 and p99, and how many repetitions saw it. */
  readonly totalP50: number | null;
  readonly totalP99: number | null;
  readonly complete: number;
  /** Instants beside the chain (samples.ts), from the action. */
  readonly beside: readonly HopFigures[];
  /** The hop with the largest median time spent. */
  readonly dominant: string | undefined;
  readonly targetMs?: number;
}

/** The previous hop a sample saw, so a missing middle hop does not lose the next one's time. */
function spent(s: Sample, hops: readonly string[], i: number): number | null {
  const at = s.hops[hops[i] ?? ''];
  if (at === null || at === undefined) return null;
  for (let j = i - 1; j >= 0; j--) {
    const before = s.hops[hops[j] ?? ''];
    if (before !== null && before !== undefined) return at - before;
  }
  return at;
}

const present = (xs: readonly (number | null | undefined)[]): number[] => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));

export function signalFigures(run: SignalRun): SignalFigures {
  const signal = SIGNALS.find((s) => s.id === run.signal);
  const hops = signal?.hops ?? [];
  const figures = hops.map((hop, i): HopFigures => {
    const at = present(run.samples.map((s) => s.hops[hop]));
    const sp = present(run.samples.map((s) => spent(s, hops, i)));
    return { hop, spentP50: quantile(sp, 0.5), spentP99: quantile(sp, 0.99), atP50: quantile(at, 0.5), atP99: quantile(at, 0.99), seen: at.length };
  });
  const beside = (signal?.beside ?? []).map((hop): HopFigures => {
    const at = present(run.samples.map((s) => s.hops[hop]));
    return { hop, spentP50: null, spentP99: null, atP50: quantile(at, 0.5), atP99: quantile(at, 0.99), seen: at.length };
  });
  const last = figures[figures.length - 1];
  const dominant = [...figures].filter((f) => f.spentP50 !== null).sort((a, b) => (b.spentP50 ?? 0) - (a.spentP50 ?? 0))[0]?.hop;
  return {
    signal: run.signal, speaker: run.speaker, reps: run.samples.length, hops: figures, beside,
    totalP50: last?.atP50 ?? null, totalP99: last?.atP99 ?? null, complete: last?.seen ?? 0, dominant,
    ...(signal?.targetMs !== undefined ? { targetMs: signal.targetMs } : {}),
  };
}
