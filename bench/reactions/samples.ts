// What the reactions bench measures: for each signal, one sample per
// repetition, each the instants of the hops the reaction went through, in ms
// from the action (the file's kernel stamp, or the kill). Shared by the guest
// program that measures and the host program that writes the table.

export type SignalId = 'l4-disable' | 'l4-enable' | 'l7-down' | 'l7-up' | 'haproxy-killed';

export interface Signal {
  readonly id: SignalId;
  /** What the operator (or the failure) did. */
  readonly action: string;
  /** What counts as done: the last hop. */
  readonly effect: string;
  /** The hops in order, each an instant a sample may have; the last is the effect. */
  readonly hops: readonly string[];
  /**
   * Instants beside the chain, shown from the action only: the speaker's
   * answer (BIRD answers `configure` after it sent the update, so the routers
   * may change first) and the reflectors' receipt (stamped when the monitor's
   * line reaches the bench, which can trail the routers).
   */
  readonly beside?: readonly string[];
  /** The target for the whole reaction, ms; undefined when the issue names none. */
  readonly targetMs?: number;
}

const BGP_HOPS = ['agent turn began', 'speaker call began', 'first router kernel', 'every router kernel'] as const;
const BGP_BESIDE = ['speaker answered', 'reflector got it'] as const;
const L7_HOPS = ['L7 agent pushed HAProxy', 'first L4 health change', 'every L4 health change', 'every L4 IPVS write'] as const;

export const SIGNALS: readonly Signal[] = [
  { id: 'l4-disable', action: 'touch /etc/lb/disable on an L4 node', effect: 'every router routes around it (graceful-shutdown community)', hops: BGP_HOPS, beside: BGP_BESIDE, targetMs: 500 },
  { id: 'l4-enable', action: 'rm /etc/lb/disable on that node', effect: 'every router uses it again', hops: BGP_HOPS, beside: BGP_BESIDE, targetMs: 1000 },
  { id: 'l7-down', action: 'echo down > /etc/lb/agent-check on an L7 node', effect: 'weight 0 in every L4 node\'s IPVS', hops: L7_HOPS, targetMs: 1000 },
  { id: 'l7-up', action: 'echo up > /etc/lb/agent-check on that node', effect: 'weight back in every L4 node\'s IPVS (after `rise` good checks)', hops: L7_HOPS },
  { id: 'haproxy-killed', action: 'kill -9 an L7 node\'s HAProxy (its agent stopped, so nothing restarts it)', effect: 'weight 0 in every L4 node\'s IPVS', hops: L7_HOPS.slice(1), targetMs: 1000 },
];

/** One repetition: each hop's instant from the action, null where it was not seen. */
export interface Sample {
  readonly hops: Readonly<Record<string, number | null>>;
}

/** Every sample of one signal under one BGP speaker (or any speaker, for the L7 signals). */
export interface SignalRun {
  readonly signal: SignalId;
  readonly speaker: 'gobgp' | 'bird' | 'any';
  readonly samples: readonly Sample[];
  readonly notes: readonly string[];
}

/** What one lab boot wrote: LOG/reactions.json. */
export interface BootResult {
  readonly speaker: 'gobgp' | 'bird';
  readonly runs: readonly SignalRun[];
  readonly error?: string;
}
