// The deadline of one health check, judged by a checker that may itself have
// been starved. When a process stalls (its CPU taken by others, a long
// garbage collection, the whole host loaded), a timer that fires long after
// its deadline says the checker, not the target, was not there. The deadline
// is judged once the pending I/O had its turn (setImmediate runs after the
// poll phase, whatever order the loop runs its timers in), so an answer that
// arrived during the stall is taken; and a deadline that fired late by
// more than the stall bound reads as `stalled`: the check says nothing of the
// target, and the rise/fall machine neither counts nor forgets it. Without
// this, an L4 node whose agent stalled a few seconds marked every L7 node
// down at once and withdrew its VIPs, moving flows to L4 nodes whose tables
// differed.

export type DeadlineVerdict = { readonly kind: 'timeout' } | { readonly kind: 'stalled'; readonly lateMs: number };

/** How late a deadline may fire and still be the target's fault: a quarter of the timeout, at least 100 ms. */
export function stallBoundMs(timeoutMs: number): number {
  return Math.max(100, timeoutMs / 4);
}

/** The verdict on a deadline `dueAt` judged at `now`. Pure. */
export function judgeDeadline(dueAt: number, now: number, timeoutMs: number): DeadlineVerdict {
  const lateMs = now - dueAt;
  return lateMs > stallBoundMs(timeoutMs) ? { kind: 'stalled', lateMs } : { kind: 'timeout' };
}

/** Calls `expired` with the verdict once `timeoutMs` passed and pending I/O was read; the returned function cancels. */
export function armDeadline(timeoutMs: number, expired: (v: DeadlineVerdict) => void, now: () => number = Date.now): () => void {
  const dueAt = now() + timeoutMs;
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    immediate = setImmediate(() => expired(judgeDeadline(dueAt, now(), timeoutMs)));
  }, timeoutMs);
  return () => {
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}
