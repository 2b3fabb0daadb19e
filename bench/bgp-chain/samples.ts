// What the BGP chain bench measures: per speaker, three actions of the L4
// agent's speaker in a row (the way a disable and an enable drive it), and
// per repetition the instants each hop was seen, in ms from the call.
// Shared by the runner and the report.
import type { Speaker } from '../reactions/speaker-site.js';

export type ActionId = 'graceful-shutdown' | 'withdraw' | 'announce';

export interface Action {
  readonly id: ActionId;
  /** What the speaker is asked to do. */
  readonly call: string;
  /** What the routers' kernels should show once it took effect. */
  readonly effect: string;
  readonly gracefulShutdown: boolean;
  /** False: the VIP leaves the announced set. */
  readonly announced: boolean;
  /** The measured node is among the routers' next hops afterwards. */
  readonly routedThrough: boolean;
}

export const ACTIONS: readonly Action[] = [
  { id: 'graceful-shutdown', call: 'announce with the graceful-shutdown community', effect: 'every router routes around the node', gracefulShutdown: true, announced: true, routedThrough: false },
  { id: 'withdraw', call: 'withdraw', effect: 'no kernel change: the routers already route around it', gracefulShutdown: false, announced: false, routedThrough: false },
  { id: 'announce', call: 'announce again', effect: 'every router routes through the node again', gracefulShutdown: false, announced: true, routedThrough: true },
];

/** In order along the chain. The reflectors' receipt is stamped when the monitor's line reaches the bench. */
export const HOPS = ['speaker answered', 'first reflector got it', 'first router kernel', 'every router kernel'] as const;
export type Hop = (typeof HOPS)[number];

/** One repetition of one action: each hop's instant from the call, null where it was not seen. */
export interface ChainSample {
  readonly hops: Readonly<Record<Hop, number | null>>;
}

export interface ActionRun {
  readonly speaker: Speaker;
  readonly action: ActionId;
  readonly samples: readonly ChainSample[];
}
