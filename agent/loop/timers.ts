// A role's own wake-ups (the end of a drain, a maintenance file's expiry, a
// retry after a failed step, a lingering listener to close): each is one
// timer that kicks the one writer; the plan decides what the wake-up means.
import type { Clock } from '../ports/clock.js';

export class Timers {
  private readonly pending = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(private readonly clock: Clock, private readonly kick: (reason: string) => void) {}

  /** Kicks at `at` (ms since the epoch); undefined cancels. A past instant kicks at once. */
  wakeAt(name: string, at: number | undefined): void {
    const current = this.pending.get(name);
    if (current?.at === at) return;
    if (current) clearTimeout(current.timer);
    this.pending.delete(name);
    if (at === undefined) return;
    // A few ms late rather than early, so the plan sees the instant passed.
    const timer = setTimeout(() => { this.pending.delete(name); this.kick(name); }, Math.max(0, at - this.clock.now()) + 5);
    timer.unref();
    this.pending.set(name, { at, timer });
  }

  /** Kicks `afterMs` from now unless a kick of that name is already pending. */
  retry(afterMs: number, name = 'retry'): void {
    if (this.pending.has(name)) return;
    this.wakeAt(name, this.clock.now() + afterMs);
  }

  clear(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
