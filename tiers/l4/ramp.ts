// The IPVS weight of an L7 node that came back up (or joined), ramped over
// the service's l4.rampUp in a few equal steps instead of taking its whole
// share of new flows at once: its HAProxy, its caches and its connection
// pools to the backends start cold. Pure: the time is an input, and the
// caller turns again at `until`.
//
// The trade-off, Maglev's: IPVS `mh` builds its lookup table from the
// weights, so every step rebuilds the table and re-spreads new flows
// (existing flows keep their connection entry, and mh-fallback only matters
// for weight 0). Few steps keep that churn small, which is why there are
// RAMP_STEPS and not a smooth curve. And each L4 node times the ramp from
// its own view of the return, which differs between L4 nodes by up to a
// check interval: during that window at each step their tables differ, and
// a flow that ECMP moves between L4 nodes then may land on another L7 node.

/** 25%, 50%, 75%, then full at the end of the ramp: four weights, four table changes per return. */
export const RAMP_STEPS = 4;
/** The ramp's time is cut in this many equal parts, one per weight below full. */
const PARTS = RAMP_STEPS - 1;

export interface RampWeight {
  readonly weight: number;
  /** 1..RAMP_STEPS - 1 while ramping; absent at full weight (the last step). */
  readonly step?: number;
  /** When the weight next rises: the caller's next turn. */
  readonly until?: number;
}

/**
 * `returnedAt`: when the node came back (TargetHealth.returnedAt), or
 * undefined when it has not (first learned up). `rampUpMs` 0 is no ramp.
 */
export function rampWeight(fullWeight: number, returnedAt: number | undefined, now: number, rampUpMs: number): RampWeight {
  if (returnedAt === undefined || rampUpMs <= 0) return { weight: fullWeight };
  // A clock that stepped back reads as the first step, never as a finished ramp.
  const elapsed = Math.max(0, now - returnedAt);
  if (elapsed >= rampUpMs) return { weight: fullWeight };
  const step = Math.floor((elapsed * PARTS) / rampUpMs) + 1;
  // Never 0: weight 0 means drained, and IPVS would send the node no new flow at all.
  const weight = Math.max(1, Math.round((fullWeight * step) / RAMP_STEPS));
  return { weight, step, until: returnedAt + Math.ceil((step * rampUpMs) / PARTS) };
}
