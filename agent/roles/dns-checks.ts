// The DNS node's VIP checks: one loop per VIP:port, each at its service's
// interval, folding outcomes through stepVipHealth. A change of state (not of
// counts) asks the agent for a turn, which rewrites gdnsd's state file.
import type { TargetHealth } from '../../tiers/l4/health.js';
import { INITIAL_HEALTH } from '../../tiers/l4/health.js';
import { stepVipHealth, type VipTarget } from '../../tiers/dns/vip-health.js';
import type { Logger } from '../observe/log.js';
import type { Clock } from '../ports/clock.js';
import type { VipProbe } from './dns-probe.js';

export interface VipChecksDeps {
  readonly clock: Clock;
  readonly probe: VipProbe;
  readonly log: Logger;
  /** A target changed state; `reason` names it. */
  readonly onChange: (reason: string) => void;
}

interface Loop { readonly target: VipTarget; readonly stop: AbortController; readonly done: Promise<void> }

export class VipChecks {
  private readonly loops = new Map<string, Loop>();
  private readonly health = new Map<string, TargetHealth>();

  constructor(private readonly deps: VipChecksDeps) {}

  /** The health to start from for a target the checks have not seen (a state read back after a restart). */
  seed(key: string, health: TargetHealth): void {
    if (!this.health.has(key)) this.health.set(key, health);
  }

  /** Runs exactly `targets`: starts new ones, stops removed ones, restarts those whose settings changed (keeping their health). */
  sync(targets: readonly VipTarget[]): void {
    const wanted = new Map(targets.map((t) => [t.key, t]));
    for (const [key, loop] of this.loops) {
      const t = wanted.get(key);
      if (t && JSON.stringify(t) === JSON.stringify(loop.target)) continue;
      loop.stop.abort();
      this.loops.delete(key);
      if (!t) this.health.delete(key);
    }
    for (const t of targets) if (!this.loops.has(t.key)) this.loops.set(t.key, this.run(t));
  }

  snapshot(): ReadonlyMap<string, TargetHealth> {
    return new Map(this.health);
  }

  async stop(): Promise<void> {
    const loops = [...this.loops.values()];
    this.loops.clear();
    for (const l of loops) l.stop.abort();
    await Promise.all(loops.map((l) => l.done));
  }

  private run(target: VipTarget): Loop {
    const stop = new AbortController();
    const done = (async () => {
      while (!stop.signal.aborted) {
        const startedAt = this.deps.clock.now();
        const outcome = await this.deps.probe(target);
        if (stop.signal.aborted) return;
        const prev = this.health.get(target.key) ?? INITIAL_HEALTH;
        const next = stepVipHealth(prev, outcome, target.rule, this.deps.clock.now());
        this.health.set(target.key, next);
        if (next.state !== prev.state) {
          this.deps.log.info({ vip: target.vip, port: target.port, from: prev.state, to: next.state, reason: next.lastReason }, `VIP ${target.key} ${next.state}`);
          this.deps.onChange(`VIP ${target.key} ${next.state}`);
        }
        // Checks start every interval, however long the last one took (up to its timeout).
        await this.deps.clock.sleep(Math.max(0, startedAt + target.intervalMs - this.deps.clock.now()), stop.signal);
      }
    })();
    return { target, stop, done };
  }
}
