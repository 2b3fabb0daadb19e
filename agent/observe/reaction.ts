// How long the agent takes to act on a maintenance file: from the file
// system's event to the end of the turn that planned and applied what the
// file says (the writer's kick resolves then). The agent's own share of a
// reaction; what the daemons and the network add comes after.
import type { Clock } from '../ports/clock.js';

export type Kick = (reason: string) => Promise<void>;

/** `kick`, timed: each call's seconds go to `observe` once its turn is done (a failed turn is timed too: it ended). */
export function timedKick(kick: Kick, observe: (seconds: number) => void, clock: Clock): Kick {
  return async (reason) => {
    const start = clock.now();
    try {
      await kick(reason);
    } finally {
      observe((clock.now() - start) / 1000);
    }
  };
}
