// Whether this L4 node announces a service's VIPs, and with which community.
// Pure: the time is an input, and the caller re-asks at `until`.
//
// Learn before announcing: a VIP is announced only once the IPVS table is
// applied and verified and a quorum of L7 nodes is known healthy. A node that
// is not announcing yet (it joins: started, or enabled again) also waits until
// its view of every L7 node has settled: the routers send it flows at once,
// some of them mid-stream from the other L4 nodes, and its Maglev table only
// picks the same L7 node as theirs when it weighs the same L7 nodes. Measured
// in the lab: a joining agent's own first checks time out under load, and an
// announce between the flap and the recovery reset 12 of 200 flows. Leaving is
// graceful (RFC 8326): a disabled or stopping node first keeps announcing with
// the graceful-shutdown community for the drain time, so routers move traffic
// to the other L4 nodes before the route disappears, and then withdraws.
import type { Duration } from '../../site/index.js';

/** The maintenance file, as the agent observed it (the lead maps the parser's result). */
export interface DisableState {
  readonly disabled: boolean;
  /** When the agent first saw the node disabled. */
  readonly since?: number;
  readonly reason?: string;
}

export type DrainPhase =
  | { readonly phase: 'announcing' }
  | { readonly phase: 'draining'; readonly until: number }
  | { readonly phase: 'withdrawn' };

export interface DrainInput {
  readonly disabled: DisableState;
  /** When a planned stop was asked for; absent while the node is not stopping. */
  readonly stopRequestedAt?: number;
  readonly now: number;
  readonly drainTime: Duration;
}

export interface AnnounceInput extends DrainInput {
  readonly ipvsApplied: boolean;
  readonly healthyL7: number;
  readonly quorum: number;
  /** For a node not announcing yet: whether its L7 health has settled, and if not, why and when it may have. */
  readonly joining?: HealthSettle;
}

export type HealthSettle =
  | { readonly settled: true }
  | { readonly settled: false; readonly reason: string; readonly at?: number };

export interface AnnounceDecision {
  readonly announce: 'yes' | 'graceful-shutdown' | 'no';
  readonly reason: string;
  /** When the decision changes with no new input (the withdrawal after a drain, the end of a join's settling): the caller asks again then. */
  readonly until?: number;
}

/**
 * Where the node is in leaving. The drain starts at the earliest of the disable
 * and the stop, so a stop during a disable drain does not start a new one. A
 * disable without a time cannot be timed, so it withdraws at once: that skips
 * the graceful-shutdown step but breaks no flow, since every L4 node holds the
 * same Maglev table. Clearing the disable during the drain (and not stopping)
 * returns to announcing at once.
 */
export function drainPhase(input: DrainInput): DrainPhase {
  const { disabled, stopRequestedAt, now, drainTime } = input;
  if (disabled.disabled && disabled.since === undefined) return { phase: 'withdrawn' };
  const starts = [disabled.disabled ? disabled.since : undefined, stopRequestedAt].filter((t) => t !== undefined);
  if (starts.length === 0) return { phase: 'announcing' };
  const until = Math.min(...starts) + drainTime.ms;
  return now < until ? { phase: 'draining', until } : { phase: 'withdrawn' };
}

function leavingWhy(input: DrainInput): string {
  const why: string[] = [];
  if (input.disabled.disabled) {
    why.push(input.disabled.reason === undefined ? 'disabled' : `disabled (${input.disabled.reason})`);
  }
  if (input.stopRequestedAt !== undefined) why.push('stopping');
  return why.join(' and ');
}

export function decideAnnounce(input: AnnounceInput): AnnounceDecision {
  const drain = drainPhase(input);
  if (drain.phase === 'withdrawn') {
    const untimed = input.disabled.disabled && input.disabled.since === undefined;
    const how = untimed ? 'withdrawn at once, no time to drain from' : 'withdrawn after the graceful-shutdown drain';
    return { announce: 'no', reason: `${leavingWhy(input)}: ${how}` };
  }
  if (!input.ipvsApplied) {
    return { announce: 'no', reason: 'IPVS state not applied and verified yet: learn before announcing' };
  }
  if (input.healthyL7 < input.quorum) {
    return { announce: 'no', reason: `${input.healthyL7} healthy L7 node(s), quorum is ${input.quorum}` };
  }
  if (drain.phase === 'draining') {
    const reason = `${leavingWhy(input)}: graceful-shutdown community for ${input.drainTime.toString()}, then withdraw`;
    return { announce: 'graceful-shutdown', reason, until: drain.until };
  }
  if (input.joining && !input.joining.settled) {
    return { announce: 'no', reason: `joining: ${input.joining.reason}`, ...(input.joining.at !== undefined ? { until: input.joining.at } : {}) };
  }
  return { announce: 'yes', reason: `IPVS applied, ${input.healthyL7} healthy L7 node(s), quorum is ${input.quorum}` };
}

/**
 * Whether the health of these L7 nodes has settled: none still unknown and
 * none changed within `settleMs` (a full rise: interval × rise). Pure.
 */
export function healthSettle(nodes: readonly { readonly name: string; readonly health: { readonly state: string; readonly since?: number } }[], now: number, settleMs: number): HealthSettle {
  const unknown = nodes.filter((n) => n.health.state === 'unknown').map((n) => n.name);
  if (unknown.length > 0) return { settled: false, reason: `waiting for a first verdict on ${unknown.join(', ')}` };
  const last = Math.max(...nodes.map((n) => n.health.since ?? -Infinity));
  if (Number.isFinite(last) && now - last < settleMs) {
    return { settled: false, reason: `L7 health changed ${now - last} ms ago; announcing once it has held for ${settleMs} ms`, at: last + settleMs };
  }
  return { settled: true };
}
