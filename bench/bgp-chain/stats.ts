// Per speaker and action, each hop's instant from the call as p50 and p99
// over the repetitions that saw it (nearest rank, as the reactions bench).
// Pure.
import type { Speaker } from '../reactions/speaker-site.js';
import { quantile } from '../reactions/stats.js';
import { HOPS, type ActionId, type ActionRun, type Hop } from './samples.js';

export interface HopFigures {
  readonly hop: Hop;
  readonly p50: number | null;
  readonly p99: number | null;
  /** Repetitions that saw this hop. */
  readonly seen: number;
}

export interface ActionFigures {
  readonly speaker: Speaker;
  readonly action: ActionId;
  readonly reps: number;
  readonly hops: readonly HopFigures[];
}

export function actionFigures(run: ActionRun): ActionFigures {
  const hops = HOPS.map((hop): HopFigures => {
    const xs = run.samples.map((s) => s.hops[hop]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return { hop, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), seen: xs.length };
  });
  return { speaker: run.speaker, action: run.action, reps: run.samples.length, hops };
}
