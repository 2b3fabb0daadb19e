// The kernel's link and address events for role tests: a test says what was
// undone, as `ip monitor` would, and sees whether the role listens.
import type { KernelEventsPort } from '../../agent/drivers/kernel/link-events.js';

export class FakeKernelEvents {
  private listener: ((what: string) => void) | undefined;
  stopped = false;

  readonly port: KernelEventsPort = (onUndo) => {
    this.listener = onUndo;
    return { stop: () => { this.stopped = true; this.listener = undefined; } };
  };

  /** What `ip monitor` would report; false when no role listens. */
  undo(what: string): boolean {
    this.listener?.(what);
    return this.listener !== undefined;
  }
}
