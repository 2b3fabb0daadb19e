// Restart delays for a daemon that keeps dying: doubling from `initial` up to
// `max`, and back to `initial` once it has stayed up for `resetAfter`.
// Pure: the supervisor passes in how long the last run lasted.
export interface BackoffRule {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffRule = { initialMs: 200, maxMs: 10000, resetAfterMs: 30000 };

export function nextDelay(previousDelayMs: number | undefined, ranForMs: number, rule: BackoffRule): number {
  if (previousDelayMs === undefined || ranForMs >= rule.resetAfterMs) return rule.initialMs;
  return Math.min(rule.maxMs, previousDelayMs * 2);
}
