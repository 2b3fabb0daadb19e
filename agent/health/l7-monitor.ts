// The L4 node's health loop: one check loop per L7 node, each outcome folded
// into the rise/fall state of every (L7 node, service) pair, and a turn of
// the agent asked for whenever a state changes (not on every check, so a
// steady site costs no turns).
import type { Clock } from '../ports/clock.js';
import { healthKey } from '../../tiers/l4/plan-node.js';
import { INITIAL_HEALTH, JOINING_HEALTH, stepHealth, type TargetHealth } from '../../tiers/l4/health.js';
import { outcomesOf } from './l7-monitor-reply.js';
import type { MonitorFetch } from './l7-monitor-fetch.js';
import type { L7CheckTarget } from './l7-monitor-targets.js';
import type { MonitorWatch } from './l7-monitor-watch.js';

export interface HealthChange {
  readonly key: string;
  readonly from: TargetHealth['state'];
  readonly to: TargetHealth['state'];
  readonly reason?: string;
}

export interface L7MonitorDeps {
  readonly fetch: MonitorFetch;
  /** Held open between checks: its close means a check now (a dead HAProxy is seen at once, not at the next interval). */
  readonly watch?: MonitorWatch;
  readonly clock: Clock;
  readonly onChange: (changes: readonly HealthChange[]) => void;
  /** A check of `l7` gave no verdict: this process ran its deadline `lateMs` late. */
  readonly onStalled?: (l7: string, lateMs: number) => void;
}

interface Loop {
  readonly signature: string;
  readonly target: L7CheckTarget;
  readonly stop: AbortController;
  readonly done: Promise<void>;
  readonly waker: Waker;
}

/** How a hint or a watch's end reaches a loop: it ends the loop's wait, or asks the check in flight to be followed by another. */
interface Waker {
  hinted: boolean;
  waiting: AbortController | undefined;
  /** Ends the open watch connection, if any. */
  unwatch: (() => void) | undefined;
  /**
   * When the last watch connection that lived less than an interval ended: a
   * new one waits an interval, so a node that closes every connection at once
   * costs at most one extra check per interval. One that lived longer (closed
   * by HAProxy's idle timeout, or a reload) is replaced at the next answer:
   * the node is watched again within a check.
   */
  watchEndedAt: number;
}

/** Checks of one L7 node start at least this far apart, however many hints arrive. */
export const MIN_RECHECK_MS = 100;

export class L7Monitor {
  private readonly health = new Map<string, TargetHealth>();
  private readonly loops = new Map<string, Loop>();
  private synced = false;

  constructor(private readonly deps: L7MonitorDeps) {}

  /** The health of every checked pair, keyed by healthKey(l7, service). */
  snapshot(): ReadonlyMap<string, TargetHealth> {
    return new Map(this.health);
  }

  /**
   * Makes the running loops match `targets`. A target checked at another
   * address restarts from unknown; one that only serves other services (a
   * service added to or removed from the site) keeps what it knew of the
   * services it still serves: forgetting it would take the node out of every
   * service's quorum until `rise` new checks. A gone target stops. An L7
   * node new after the first sync joins: its coming up ramps its weight
   * like a return (tiers/l4/ramp.ts); at the first sync nobody joins.
   */
  async sync(targets: readonly L7CheckTarget[]): Promise<void> {
    const wanted = new Map(targets.map((t) => [t.l7, t]));
    const known = new Set(this.loops.keys());
    if (this.synced) {
      for (const t of targets.filter((x) => !known.has(x.l7))) {
        for (const service of Object.keys(t.services)) if (!this.health.has(healthKey(t.l7, service))) this.health.set(healthKey(t.l7, service), JOINING_HEALTH);
      }
    }
    this.synced = true;
    for (const [l7, loop] of this.loops) {
      const t = wanted.get(l7);
      if (t && JSON.stringify(t) === loop.signature) continue;
      const keep = t && endpointOf(t) === endpointOf(loop.target) ? new Set(Object.keys(t.services)) : new Set<string>();
      await this.stopLoop(l7, loop, keep);
    }
    for (const t of targets) {
      if (this.loops.has(t.l7)) continue;
      const stop = new AbortController();
      const waker: Waker = { hinted: false, waiting: undefined, unwatch: undefined, watchEndedAt: -Infinity };
      this.loops.set(t.l7, { signature: JSON.stringify(t), target: t, stop, waker, done: this.run(t, stop.signal, waker) });
    }
  }

  /**
   * Checks `l7` now rather than at the end of its interval (its agent said
   * its state changed). A check already in flight may predate the change, so
   * another follows it. False when `l7` is not checked.
   */
  checkNow(l7: string): boolean {
    const loop = this.loops.get(l7);
    if (!loop) return false;
    wake(loop.waker);
    return true;
  }

  /** Stops checking and keeps the last health: a stopping node drains with what it knew. */
  async stop(): Promise<void> {
    for (const [l7, loop] of [...this.loops]) await this.stopLoop(l7, loop, 'all');
  }

  /** `keep`: the services whose health stays known ('all' on a stop). */
  private async stopLoop(l7: string, loop: Loop, keep: ReadonlySet<string> | 'all'): Promise<void> {
    loop.stop.abort();
    loop.waker.waiting?.abort();
    this.loops.delete(l7);
    await loop.done;
    loop.waker.unwatch?.();
    loop.waker.unwatch = undefined;
    if (keep === 'all') return;
    for (const key of [...this.health.keys()]) {
      if (key.startsWith(`${l7}/`) && !keep.has(key.slice(l7.length + 1))) this.health.delete(key);
    }
  }

  private async run(t: L7CheckTarget, signal: AbortSignal, waker: Waker): Promise<void> {
    const { clock } = this.deps;
    let started = -Infinity;
    while (!signal.aborted) {
      const since = clock.now() - started;
      if (since < MIN_RECHECK_MS) await clock.sleep(MIN_RECHECK_MS - since, signal);
      if (signal.aborted) return;
      waker.hinted = false;
      started = clock.now();
      const reply = await this.deps.fetch({
        address: t.address, port: t.port, path: t.path, timeoutMs: t.timeoutMs,
        ...(t.localAddress !== undefined ? { localAddress: t.localAddress } : {}),
      });
      if (signal.aborted) return;
      if (reply.kind === 'stalled') this.deps.onStalled?.(t.l7, reply.lateMs);
      this.record(t, outcomesOf(reply, Object.keys(t.services)), clock.now());
      if (reply.kind === 'answer') this.watchFrom(t, waker);
      if (waker.hinted) continue;
      const waiting = new AbortController();
      waker.waiting = waiting;
      // One signal per wait, ended by a hint or by the stop (stopLoop): a signal combined per check would pile up on the loop's own.
      await clock.sleep(Math.max(0, t.intervalMs - (clock.now() - started)), waiting.signal);
      waker.waiting = undefined;
    }
  }

  /** A node that answered is watched until the next check: its HAProxy's death ends the connection. */
  private watchFrom(t: L7CheckTarget, waker: Waker): void {
    const { watch, clock } = this.deps;
    if (!watch || waker.unwatch || clock.now() - waker.watchEndedAt < t.intervalMs) return;
    const target = { address: t.address, port: t.port, ...(t.localAddress !== undefined ? { localAddress: t.localAddress } : {}) };
    const openedAt = clock.now();
    waker.unwatch = watch(target, () => {
      waker.unwatch = undefined;
      const now = clock.now();
      if (now - openedAt < t.intervalMs) waker.watchEndedAt = now;
      wake(waker);
    });
  }

  private record(t: L7CheckTarget, outcomes: ReadonlyMap<string, Parameters<typeof stepHealth>[1]>, now: number): void {
    const changes: HealthChange[] = [];
    for (const [service, outcome] of outcomes) {
      const rule = t.services[service];
      if (!rule) continue;
      const key = healthKey(t.l7, service);
      const prev = this.health.get(key) ?? INITIAL_HEALTH;
      const next = stepHealth(prev, outcome, rule, now);
      this.health.set(key, next);
      if (next.state !== prev.state) changes.push({ key, from: prev.state, to: next.state, ...(next.lastReason !== undefined ? { reason: next.lastReason } : {}) });
    }
    if (changes.length > 0) this.deps.onChange(changes);
  }
}

/** Asks for a check now: ends the wait, or marks the check in flight to be followed by another. */
function wake(waker: Waker): void {
  waker.hinted = true;
  waker.waiting?.abort();
}

/** Where a target is checked: another answer there is another node's. */
const endpointOf = (t: L7CheckTarget): string => `${t.address} ${t.port} ${t.path} ${t.localAddress ?? ''}`;
