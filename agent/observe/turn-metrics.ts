// Each turn of the one writer in the agent's histograms: the time to plan,
// and the time to apply when the turn applied anything.
import type { TurnOutcome, TurnTiming } from '../loop/one-writer.js';
import type { Metrics } from './metrics.js';

export function observeTurn(metrics: Pick<Metrics, 'turns' | 'planSeconds' | 'applySeconds'>, outcome: TurnOutcome, timing: TurnTiming): void {
  metrics.turns.inc({ outcome });
  metrics.planSeconds.observe(timing.planMs / 1000);
  if (outcome === 'applied' || outcome === 'partial') metrics.applySeconds.observe(timing.applyMs / 1000);
}
