// Log lines about the agent-check port's clients, at most one per kind per
// interval: a scanner or a broken client can open thousands of connections a
// second, and one line each would fill the disk. The first of a kind is
// logged at once; the rest of its interval are counted, and the count is
// logged when the interval ends (that line opens the next interval).
import type { AgentCheckLogger } from './server.js';

export type Complaint =
  /** The connection failed: the client reset it, or a write to it did. */
  | 'reset'
  /** Still open at the end of its lifetime, answered or not. */
  | 'lifetime'
  /** The client sent more than an agent-send string. */
  | 'input'
  /** Over the connection cap: closed at once. */
  | 'cap'
  /** This host could not say what to answer (not the client's doing). */
  | 'unavailable';

const MESSAGES: Record<Complaint, string> = {
  reset: 'agent-check connection failed',
  lifetime: 'agent-check connection closed at the end of its lifetime',
  input: 'agent-check client sent more than expected; closed',
  cap: 'agent-check connection refused: too many open',
  unavailable: 'agent-check reply unavailable; closing without an answer',
};

interface Window {
  readonly until: number;
  suppressed: number;
  timer?: NodeJS.Timeout;
}

export class ComplaintLog {
  private readonly windows = new Map<Complaint, Window>();

  constructor(
    private readonly logger: AgentCheckLogger,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  note(kind: Complaint, fields: object = {}): void {
    const window = this.windows.get(kind);
    const now = this.now();
    if (window === undefined || now >= window.until) {
      if (window?.timer) clearTimeout(window.timer);
      this.windows.set(kind, { until: now + this.intervalMs, suppressed: 0 });
      this.logger.warn({ ...fields, complaint: kind }, MESSAGES[kind]);
      return;
    }
    window.suppressed += 1;
    if (window.timer === undefined) {
      window.timer = setTimeout(() => this.summarise(kind), Math.max(0, window.until - now));
      window.timer.unref();
    }
  }

  /** Logs what is still counted, now: on close, so no count is lost. */
  flush(): void {
    for (const kind of [...this.windows.keys()]) this.summarise(kind);
    for (const window of this.windows.values()) clearTimeout(window.timer);
    this.windows.clear();
  }

  private summarise(kind: Complaint): void {
    const window = this.windows.get(kind);
    if (window === undefined || window.suppressed === 0) return;
    clearTimeout(window.timer);
    this.windows.set(kind, { until: this.now() + this.intervalMs, suppressed: 0 });
    this.logger.warn({ complaint: kind, suppressed: window.suppressed, intervalMs: this.intervalMs }, `${MESSAGES[kind]} (more of the same, suppressed)`);
  }
}
