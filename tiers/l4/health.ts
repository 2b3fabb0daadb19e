// Rise/fall health of one checked target: an L7 node's monitor URI for a
// service, as seen from this L4 node. Pure: the check itself is an effect that
// happens elsewhere, and the time of the outcome is passed in.

/** What one check of a monitor URI came back with. */
export type CheckOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'fail'; readonly reason: string }
  /** The target answered that it is in maintenance (an L7 node's enabler down): a verdict, not a hiccup. */
  | { readonly kind: 'maintenance'; readonly reason: string }
  | { readonly kind: 'refused' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'timeout' }
  /** The checker itself ran too late to judge (its process was starved): the check says nothing of the target. */
  | { readonly kind: 'stalled'; readonly lateMs: number };

/**
 * `unknown` until the target has been learned: an L4 node that just started
 * must learn before announcing, so `unknown` is never treated as up.
 */
export type HealthState = 'unknown' | 'up' | 'down';

export interface TargetHealth {
  readonly state: HealthState;
  readonly consecutiveOk: number;
  readonly consecutiveFail: number;
  /** Why the last failed check failed; dropped once the target is up again. */
  readonly lastReason?: string;
  /** When `state` last changed (the `now` passed to stepHealth). */
  readonly since?: number;
  /**
   * Up only: when the target came up after being down, or after joining a
   * table that was already serving (JOINING_HEALTH); the L4 tier ramps its
   * weight from then (ramp.ts). A target first learned up has none.
   */
  readonly returnedAt?: number;
  /** Unknown only: the target joined while the others were already checked, so coming up is a return. */
  readonly joining?: true;
}

export interface RiseFall {
  /** Consecutive successes that bring a target up. */
  readonly rise: number;
  /** Consecutive failures (timeouts, bad statuses) that bring it down. */
  readonly fall: number;
}

export const INITIAL_HEALTH: TargetHealth = { state: 'unknown', consecutiveOk: 0, consecutiveFail: 0 };

/**
 * A target that joined a running checker (an L7 node appended to the site):
 * unknown like any new one, but its coming up ramps like a return. At the
 * checker's start every target is new and none ramps, so a starting L4 node
 * builds the same table as its peers.
 */
export const JOINING_HEALTH: TargetHealth = { ...INITIAL_HEALTH, joining: true };

export function isUp(h: TargetHealth): boolean {
  return h.state === 'up';
}

/** The words a status line or a weight reason shows for a failed check. */
export function describeOutcome(outcome: CheckOutcome): string {
  switch (outcome.kind) {
    case 'ok':
      return 'ok';
    case 'fail':
    case 'maintenance':
      return outcome.reason;
    case 'refused':
      return 'connection refused';
    case 'reset':
      return 'connection reset';
    case 'timeout':
      return 'timeout';
    case 'stalled':
      return `no verdict: the checker ran ${Math.round(outcome.lateMs)} ms late`;
  }
}

/**
 * Explicit answers act at once. A refused or reset connection means nothing
 * listens on the monitor port any more: HAProxy on that L7 node is gone
 * (stopped, crashed, node rebooting). A maintenance answer means the node's
 * operator or agent took it out (drain, down, a planned stop). Waiting for
 * `fall` more failures would only keep sending it new flows for fall ×
 * interval; another check cannot change either answer. A timeout or a bad
 * status may be a passing hiccup (a slow reply, a lost packet), so those
 * count toward `fall`. Coming back always takes `rise` good checks.
 */
function isImmediateDown(outcome: CheckOutcome): boolean {
  return outcome.kind === 'refused' || outcome.kind === 'reset' || outcome.kind === 'maintenance';
}

// Optional fields are left out rather than set to undefined, so a logged or
// compared health carries only what is known.
function moveTo(prev: TargetHealth, next: Pick<TargetHealth, 'state' | 'consecutiveOk' | 'consecutiveFail' | 'lastReason'>, now: number): TargetHealth {
  const changed = next.state !== prev.state;
  const since = changed ? now : prev.since;
  const returnedAt = next.state !== 'up' ? undefined
    : changed ? (prev.state === 'down' || prev.joining ? now : undefined) : prev.returnedAt;
  const { lastReason, ...counts } = next;
  return {
    ...counts,
    ...(lastReason === undefined ? {} : { lastReason }),
    ...(since === undefined ? {} : { since }),
    ...(returnedAt === undefined ? {} : { returnedAt }),
    ...(next.state === 'unknown' && prev.joining ? { joining: true as const } : {}),
  };
}

/** The health after one more check outcome observed at `now`. */
export function stepHealth(prev: TargetHealth, outcome: CheckOutcome, rule: RiseFall, now: number): TargetHealth {
  // Neither a failure nor a success: the counts stand as they were.
  if (outcome.kind === 'stalled') return prev;
  if (outcome.kind === 'ok') {
    const consecutiveOk = prev.consecutiveOk + 1;
    const state = prev.state === 'up' || consecutiveOk >= rule.rise ? 'up' : prev.state;
    const lastReason = state === 'up' ? undefined : prev.lastReason;
    return moveTo(prev, { state, consecutiveOk, consecutiveFail: 0, lastReason }, now);
  }
  const consecutiveFail = prev.consecutiveFail + 1;
  const lastReason = describeOutcome(outcome);
  const down = isImmediateDown(outcome) || prev.state === 'down' || consecutiveFail >= rule.fall;
  const state = down ? 'down' : prev.state;
  return moveTo(prev, { state, consecutiveOk: 0, consecutiveFail, lastReason }, now);
}

/** Folds a sequence of outcomes, one per `interval` ms starting at `start`; handy for tests and replay. */
export function replayHealth(
  outcomes: readonly CheckOutcome[],
  rule: RiseFall,
  start = 0,
  interval = 1,
  from: TargetHealth = INITIAL_HEALTH,
): TargetHealth {
  return outcomes.reduce((h, o, i) => stepHealth(h, o, rule, start + i * interval), from);
}
