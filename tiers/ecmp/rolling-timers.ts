// BGP timers are agreed when a session opens, so BIRD restarts a session
// whose hold or keepalive time changes, and a router whose sessions all
// restart at once loses every route it carries until they are back: every
// flow through it stalls. So a router moves its sessions to new timers one
// at a time, each only while every other session is established: the
// sessions to the other reflector carry the same paths meanwhile. Pure.
import type { TimersView } from './view.js';

export interface RolledTimers {
  /** Timers per session symbol for this turn's config. */
  readonly timers: ReadonlyMap<string, TimersView>;
  /** Sessions still on other timers than the site's after this turn. */
  readonly pending: number;
}

const same = (a: TimersView, b: TimersView): boolean =>
  a.holdSeconds === b.holdSeconds && a.keepaliveSeconds === b.keepaliveSeconds && a.connectRetrySeconds === b.connectRetrySeconds;

/**
 * `running`: the timers each session runs with now (a session missing from it
 * is new and starts on the site's timers). `established`: the sessions up now.
 */
export function rollTimers(symbols: readonly string[], wanted: TimersView, running: ReadonlyMap<string, TimersView>, established: ReadonlySet<string>): RolledTimers {
  const steady = symbols.every((s) => established.has(s));
  let moved = false;
  let pending = 0;
  const timers = new Map<string, TimersView>();
  for (const symbol of symbols) {
    const now = running.get(symbol);
    if (now === undefined || same(now, wanted)) {
      timers.set(symbol, wanted);
    } else if (steady && !moved) {
      timers.set(symbol, wanted);
      moved = true;
    } else {
      timers.set(symbol, now);
      pending++;
    }
  }
  return { timers, pending };
}
