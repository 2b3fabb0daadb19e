// The timers each BGP session of a BIRD (a router's, an L4 node's speaker)
// runs with, and which sessions are established, for rollTimers
// (tiers/ecmp/rolling-timers.ts): what BIRD took last, and what it says now.
import type { Site, SiteNode } from '../../site/index.js';
import { rollTimers, type RolledTimers } from '../../tiers/ecmp/rolling-timers.js';
import { sessionsOf, timersOf, type TimersView } from '../../tiers/ecmp/view.js';
import type { BirdProtocol } from './bgp-bird.js';

export class SessionTimers {
  private running = new Map<string, TimersView>();
  private rendered = new Map<string, TimersView>();
  private established = new Set<string>();
  private pendingCount = 0;

  /** `news`: sessions are still to move and fewer or more than at the last plan (worth a log line; the same count every second is not). */
  plan(site: Site, node: SiteNode): RolledTimers & { readonly news: boolean } {
    const rolled = rollTimers(sessionsOf(site, node).map((s) => s.symbol), timersOf(site), this.running, this.established);
    const news = rolled.pending > 0 && rolled.pending !== this.pendingCount;
    this.rendered = new Map(rolled.timers);
    this.pendingCount = rolled.pending;
    return { ...rolled, news };
  }

  /** Sessions still to move after the last plan. */
  get pending(): number {
    return this.pendingCount;
  }

  /** BIRD took the config last planned. */
  taken(): void {
    this.running = this.rendered;
  }

  /** True when a move is pending and the established sessions changed: the next turn may move one more. */
  observe(up: ReadonlySet<string>): boolean {
    const changed = [...up].some((s) => !this.established.has(s)) || [...this.established].some((s) => !up.has(s));
    this.established = new Set(up);
    return changed && this.pendingCount > 0;
  }
}

/** The BGP sessions BIRD says are established, by symbol (`bgp_rr_1_ipv4`). */
export function establishedSessions(protocols: readonly BirdProtocol[]): Set<string> {
  return new Set(protocols.filter((p) => p.proto === 'BGP' && /^Established\b/.test(p.info)).map((p) => p.name));
}
