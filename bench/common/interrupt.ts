// A bench in network namespaces of the host, interrupted (Ctrl-C, a CI
// timeout): the daemons of the step in progress are stopped and the bench's
// folder removed before it exits, so no namespace or daemon outlives it.
import { rm } from 'node:fs/promises';

export interface Interruptible {
  /** What stops the step in progress; undefined between steps. */
  stopWith(stop: (() => Promise<void>) | undefined): void;
}

/**
 * Every signal is handled, not only the first: tsx relays the terminal's
 * Ctrl-C to the bench, which its group got already, and a second one
 * unhandled would end it before the namespaces are gone.
 */
export function stopOnInterrupt(dir: string, say: (line: string) => void): Interruptible {
  let stopCurrent: (() => Promise<void>) | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping the daemons and removing the namespaces`);
    void (stopCurrent?.() ?? Promise.resolve()).finally(() => rm(dir, { recursive: true, force: true }).finally(() => process.exit(130)));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { stopWith: (stop) => { stopCurrent = stop; } };
}
