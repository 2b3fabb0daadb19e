// The L4 node's checks through the tunnel: one loop per (L7 node, service),
// each round a connection to every VIP and port of the service carried to
// that L7 node (tiers/l4/tunnel-checks.ts), folded into the pair's rise/fall
// health with the service's own interval and rules, rounds closer together
// while a pair is on its way down or up. A VIP and port new to the checks
// counts only after a grace: a site edit that adds it reaches the L7 nodes
// (address, HAProxy reload) while the L4 nodes already check it, and every
// node would look broken. A turn is asked for only when a state changes.
import type { Clock } from '../ports/clock.js';
import { endpoint } from '../../tiers/l4/model.js';
import { INITIAL_HEALTH, describeOutcome, stepHealth, type CheckOutcome, type TargetHealth } from '../../tiers/l4/health.js';
import { healthKey } from '../../tiers/l4/plan-node.js';
import { TUNNEL_PROBE_GRACE_MS, type TunnelCheckTarget, type TunnelProbeSpec } from '../../tiers/l4/tunnel-checks.js';
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
  /** When each VIP and port (with its node's mark) joined the checks. */
  private readonly since = new Map<string, number>();

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
    const now = this.deps.clock.now();
    const probes = new Set(targets.flatMap((t) => t.probes.map(probeKey)));
    for (const k of [...this.since.keys()]) if (!probes.has(k)) this.since.delete(k);
    for (const k of probes) if (!this.since.has(k)) this.since.set(k, now);
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
    const counts = (p: TunnelProbeSpec): boolean => clock.now() - (this.since.get(probeKey(p)) ?? -Infinity) >= TUNNEL_PROBE_GRACE_MS;
    while (!signal.aborted) {
      const started = clock.now();
      const outcome = await checkThroughTunnel(this.deps.probe, t, (o) => this.deps.onProbed?.(t, o.kind), counts);
      if (signal.aborted) return;
      if (outcome?.kind === 'stalled') this.deps.onStalled?.(key, outcome.lateMs);
      else if (outcome) this.record(key, t, outcome, clock.now());
      const h = this.health.get(key);
      const moving = h !== undefined && ((h.state !== 'down' && h.consecutiveFail > 0) || (h.state !== 'up' && h.consecutiveOk > 0));
      await clock.sleep(Math.max(0, (moving ? t.fastIntervalMs : t.intervalMs) - (clock.now() - started)), signal);
    }
  }

  private record(key: string, t: TunnelCheckTarget, outcome: CheckOutcome, now: number): void {
    const prev = this.health.get(key) ?? INITIAL_HEALTH;
    const next = stepHealth(prev, outcome, t, now);
    this.health.set(key, next);
    if (next.state !== prev.state) this.deps.onChange([{ key, from: prev.state, to: next.state, ...(next.lastReason !== undefined ? { reason: next.lastReason } : {}) }]);
  }
}

const probeKey = (p: TunnelProbeSpec): string => `${p.mark} ${p.vip} ${p.port}`;

/**
 * One round: every VIP and port at once. Ok when all that count answered;
 * otherwise the first failure in site order, naming its VIP and port. A
 * refusal counts toward `fall` like any failure (through the tunnel it is
 * the node's HAProxy not bound to that VIP yet, which a reload settles),
 * unlike a refused monitor check. A round with a stalled deadline says
 * nothing; so does one where no probe counts yet (undefined).
 */
export async function checkThroughTunnel(probe: TunnelProbe, t: TunnelCheckTarget, each: (o: CheckOutcome) => void = () => undefined, counts: (p: TunnelProbeSpec) => boolean = () => true): Promise<CheckOutcome | undefined> {
  const outcomes = await Promise.all(t.probes.map(async (p) => probe({ ...p, mode: t.mode, path: t.path, timeoutMs: t.timeoutMs, ...(t.expectBody !== undefined ? { expectBody: t.expectBody } : {}) }).then((o) => { each(o); return o; })));
  const counted = t.probes.flatMap((p, i) => (counts(p) && outcomes[i] ? [{ p, o: outcomes[i] }] : []));
  if (counted.length === 0) return undefined;
  const stalled = counted.find((c) => c.o.kind === 'stalled');
  if (stalled) return stalled.o;
  const failed = counted.find((c) => c.o.kind !== 'ok');
  if (!failed) return { kind: 'ok' };
  return { kind: 'fail', reason: `${endpoint(failed.p.vip, failed.p.port)}: ${describeOutcome(failed.o)}` };
}
