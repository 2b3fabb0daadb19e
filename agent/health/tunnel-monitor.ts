// The L4 node's checks through the tunnel: one loop per (L7 node, service),
// each round a connection to every VIP and port of the service carried to
// that L7 node (tiers/l4/tunnel-checks.ts), folded into the pair's rise/fall
// health with the service's own interval and rules. A turn is asked for only
// when a state changes.
import type { Clock } from '../ports/clock.js';
import { endpoint } from '../../tiers/l4/model.js';
import { INITIAL_HEALTH, describeOutcome, stepHealth, type CheckOutcome, type TargetHealth } from '../../tiers/l4/health.js';
import { healthKey } from '../../tiers/l4/plan-node.js';
import type { TunnelCheckTarget } from '../../tiers/l4/tunnel-checks.js';
import type { HealthChange } from './l7-monitor.js';
import type { TunnelProbe } from './tunnel-probe.js';

export interface TunnelMonitorDeps {
  readonly probe: TunnelProbe;
  readonly clock: Clock;
  readonly onChange: (changes: readonly HealthChange[]) => void;
  /** A round gave no verdict: this process ran a deadline `lateMs` late. */
  readonly onStalled?: (key: string, lateMs: number) => void;
  /** Each connection's outcome, for the metrics: what the checks cost and how they went. */
  readonly onProbed?: (t: TunnelCheckTarget, outcome: CheckOutcome['kind']) => void;
}

interface Loop {
  readonly signature: string;
  readonly stop: AbortController;
  readonly done: Promise<void>;
}

export class TunnelMonitor {
  private readonly health = new Map<string, TargetHealth>();
  private readonly loops = new Map<string, Loop>();

  constructor(private readonly deps: TunnelMonitorDeps) {}

  /** Health through the tunnel of every checked pair, keyed by healthKey(l7, service). */
  snapshot(): ReadonlyMap<string, TargetHealth> {
    return new Map(this.health);
  }

  /**
   * Makes the loops match `targets`. A pair whose check changed (a VIP or a
   * port added, a new interval) keeps what it knew: starting it from
   * unknown would drop nothing, but forgetting a down would give a
   * blackholing node its weight back until `fall` checks again.
   */
  async sync(targets: readonly TunnelCheckTarget[]): Promise<void> {
    const wanted = new Map(targets.map((t) => [healthKey(t.l7, t.service), t]));
    for (const [key, loop] of this.loops) {
      const t = wanted.get(key);
      if (t && JSON.stringify(t) === loop.signature) continue;
      await this.stopLoop(key, loop);
      if (!t) this.health.delete(key);
    }
    for (const key of [...this.health.keys()]) if (!wanted.has(key)) this.health.delete(key);
    for (const [key, t] of wanted) {
      if (this.loops.has(key)) continue;
      const stop = new AbortController();
      this.loops.set(key, { signature: JSON.stringify(t), stop, done: this.run(key, t, stop.signal) });
    }
  }

  /** Stops every loop; the health stays as it was last seen. */
  async stop(): Promise<void> {
    for (const [key, loop] of [...this.loops]) await this.stopLoop(key, loop);
  }

  private async stopLoop(key: string, loop: Loop): Promise<void> {
    loop.stop.abort();
    this.loops.delete(key);
    await loop.done;
  }

  private async run(key: string, t: TunnelCheckTarget, signal: AbortSignal): Promise<void> {
    const { clock } = this.deps;
    while (!signal.aborted) {
      const started = clock.now();
      const outcome = await checkThroughTunnel(this.deps.probe, t, (o) => this.deps.onProbed?.(t, o.kind));
      if (signal.aborted) return;
      if (outcome.kind === 'stalled') this.deps.onStalled?.(key, outcome.lateMs);
      else this.record(key, t, outcome, clock.now());
      await clock.sleep(Math.max(0, t.intervalMs - (clock.now() - started)), signal);
    }
  }

  private record(key: string, t: TunnelCheckTarget, outcome: CheckOutcome, now: number): void {
    const prev = this.health.get(key) ?? INITIAL_HEALTH;
    const next = stepHealth(prev, outcome, t, now);
    this.health.set(key, next);
    if (next.state !== prev.state) this.deps.onChange([{ key, from: prev.state, to: next.state, ...(next.lastReason !== undefined ? { reason: next.lastReason } : {}) }]);
  }
}

/**
 * One round: every VIP and port at once. Ok when all answered; otherwise the
 * first failure in site order, naming its VIP and port. A refusal or a reset
 * keeps its kind (it counts at once: the node's HAProxy does not hold that
 * VIP and port); a round with a stalled deadline says nothing.
 */
export async function checkThroughTunnel(probe: TunnelProbe, t: TunnelCheckTarget, each: (o: CheckOutcome) => void = () => undefined): Promise<CheckOutcome> {
  const outcomes = await Promise.all(t.probes.map(async (p) => probe({ ...p, mode: t.mode, path: t.path, timeoutMs: t.timeoutMs, ...(t.expectBody !== undefined ? { expectBody: t.expectBody } : {}) }).then((o) => { each(o); return o; })));
  const stalled = outcomes.find((o) => o.kind === 'stalled');
  if (stalled) return stalled;
  const i = outcomes.findIndex((o) => o.kind !== 'ok');
  const failed = outcomes[i];
  const p = t.probes[i];
  if (!failed || !p) return { kind: 'ok' };
  if (failed.kind === 'refused' || failed.kind === 'reset') return failed;
  return { kind: 'fail', reason: `${endpoint(p.vip, p.port)}: ${describeOutcome(failed)}` };
}
