// IPVS weight of every L7 node serving one service, from the health this L4
// node observed. Pure and history-free, so every L4 node that sees the same
// health builds the same table.
//
// An unhealthy L7 node gets weight 0, never removal: with weight 0 IPVS sends
// it no new flows but keeps the existing ones (quiescent). An operator drain
// of an L7 node reaches us only as its monitor URI failing, so a drain and a
// failure look the same here, and both are simply "not up".
// A node back up after being down (a failure or an operator's drain, which
// look the same here) ramps over the service's rampUp (ramp.ts) while it
// counts as up for the quorum and the depool threshold. No node ramps while
// the threshold keeps a failing node at full weight: the service is short of
// capacity then, and a healthy node below a failing one would be backwards.
import { type TargetHealth, isUp } from './health.js';
import { rampWeight, RAMP_STEPS } from './ramp.js';

export interface L7Health<N extends string> {
  readonly name: N;
  readonly health: TargetHealth;
}

export interface WeightRule {
  /** The weight of a healthy L7 node (IPVS weights are 0..65535). */
  readonly fullWeight: number;
  /** Share (0..1) of the serving L7 nodes kept at full weight even when their checks fail. */
  readonly depoolThreshold: number;
  /** The ramp of a node that came back; absent or 0 ms: full weight at once. */
  readonly rampUp?: { readonly ms: number; readonly now: number };
}

export interface WeightPlan<N extends string> {
  readonly weights: Map<N, number>;
  /** L7 nodes kept at full weight although their checks say they are not up. */
  readonly depoolBlocked: N[];
  readonly reasons: Map<N, string>;
  /** L7 nodes whose checks say up; depool-blocked nodes do not count, so quorum sees the truth. */
  readonly healthy: number;
  /** When a ramping node's weight next rises: the plan changes then with no new input. */
  readonly wakeAt?: number;
}

/**
 * How many L7 nodes must stay at full weight. The small epsilon keeps
 * floating point from rounding an exact product up: 0.7 × 10 is
 * 7.000000000000001 in binary, and must keep 7 nodes, not 8.
 */
export function minPooled(depoolThreshold: number, serving: number): number {
  return Math.min(serving, Math.max(0, Math.ceil(depoolThreshold * serving - 1e-9)));
}

function downReason(h: TargetHealth): string {
  if (h.state === 'unknown') return 'not checked enough yet';
  return h.lastReason === undefined ? 'down' : `down: ${h.lastReason}`;
}

/**
 * Which unhealthy nodes the depool threshold keeps: the first ones in Maglev
 * order. PyBal keeps the servers that are already pooled, but that depends on
 * each L4 node's own history; Maglev order depends on nothing but the site
 * file, so L4 nodes that see the same failures keep the same nodes and their
 * tables stay identical, which is what keeps flows on the same L7 node.
 */
function keptDespiteChecks<N extends string>(nodes: readonly L7Health<N>[], rule: WeightRule): N[] {
  const healthy = nodes.filter((n) => isUp(n.health)).length;
  const missing = minPooled(rule.depoolThreshold, nodes.length) - healthy;
  if (missing <= 0) return [];
  return nodes.filter((n) => !isUp(n.health)).slice(0, missing).map((n) => n.name);
}

/** `nodes` in the service's Maglev order (`Service.l7.nodes`). */
export function planWeights<N extends string>(nodes: readonly L7Health<N>[], rule: WeightRule): WeightPlan<N> {
  const kept = keptDespiteChecks(nodes, rule);
  const need = minPooled(rule.depoolThreshold, nodes.length);
  const weights = new Map<N, number>();
  const reasons = new Map<N, string>();
  const wakes: number[] = [];
  for (const { name, health } of nodes) {
    if (isUp(health)) {
      const ramp = kept.length === 0 && rule.rampUp ? rampWeight(rule.fullWeight, health.returnedAt, rule.rampUp.now, rule.rampUp.ms) : { weight: rule.fullWeight };
      weights.set(name, ramp.weight);
      reasons.set(name, ramp.step === undefined ? 'up' : `up; ramping up after its return: step ${ramp.step} of ${RAMP_STEPS}, weight ${ramp.weight}`);
      if (ramp.until !== undefined) wakes.push(ramp.until);
    } else if (kept.includes(name)) {
      weights.set(name, rule.fullWeight);
      reasons.set(name, `${downReason(health)}; kept at full weight: depool threshold ${rule.depoolThreshold} keeps ${need} of ${nodes.length} pooled`);
    } else {
      weights.set(name, 0);
      reasons.set(name, `${downReason(health)}; weight 0, existing flows stay`);
    }
  }
  return {
    weights, depoolBlocked: kept, reasons, healthy: nodes.filter((n) => isUp(n.health)).length,
    ...(wakes.length > 0 ? { wakeAt: Math.min(...wakes) } : {}),
  };
}
