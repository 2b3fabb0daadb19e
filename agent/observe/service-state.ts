// What the service manager is told, and when: READY=1 once the first turn
// is applied, RELOADING=1 and READY=1 around a reload asked for (SIGHUP,
// `systemctl reload`), STOPPING=1 when a planned stop begins, and a one-line
// STATUS= after each turn. Nothing is sent after the stop began (a reload in
// flight then must not say READY=1), and a status equal to the last one is
// not sent again: the drift checks turn every few seconds.
import type { TurnOutcome } from '../loop/one-writer.js';
import type { ServiceManagerPort, ServiceMessage } from '../ports/service-manager.js';
import type { Logger } from './log.js';

type Phase = 'starting' | 'ready' | 'reloading' | 'stopping';

export class ServiceState {
  private phase: Phase = 'starting';
  private lastStatus: string | undefined;
  private failed = false;

  constructor(private readonly port: ServiceManagerPort, private readonly role: string, private readonly log: Logger) {}

  /** The start is done: its first turn ran. */
  ready(): void {
    if (this.phase !== 'starting') return;
    this.phase = 'ready';
    this.send({ ready: true, ...this.statusField(this.lastStatus ?? `${this.role}: started`) });
  }

  turned(outcome: TurnOutcome, reasons: readonly string[]): void {
    if (this.phase === 'stopping') return;
    const status = turnStatus(this.role, outcome, reasons);
    if (status !== this.lastStatus && this.phase !== 'starting') this.send({ status });
    this.lastStatus = status;
  }

  reloading(): void {
    if (this.phase !== 'ready') return;
    this.phase = 'reloading';
    this.send({ reloading: true, status: `${this.role}: reloading the site file` });
  }

  /** The reload is over; `refused` is the first reason when the site file was refused (the last good one runs on). */
  reloaded(refused?: string): void {
    if (this.phase !== 'reloading') return;
    this.phase = 'ready';
    const status = refused !== undefined ? `${this.role}: site file refused, the last good one runs: ${refused}` : this.lastStatus ?? `${this.role}: reloaded`;
    this.lastStatus = status;
    this.send({ ready: true, status });
  }

  stopping(): void {
    if (this.phase === 'stopping') return;
    this.phase = 'stopping';
    this.send({ stopping: true, status: `${this.role}: planned stop` });
  }

  private statusField(status: string): { status: string } {
    this.lastStatus = status;
    return { status };
  }

  /** A failed send is logged once, and again after one went through. */
  private send(m: ServiceMessage): void {
    this.port.notify(m).then(() => { this.failed = false; }, (err: unknown) => {
      if (!this.failed) this.log.warn({ err }, `service manager not notified: ${(err as Error).message}`);
      this.failed = true;
    });
  }
}

/** `l4: applied (site file changed)`, `l7: partial (start, +2 more), see the log`. */
export function turnStatus(role: string, outcome: TurnOutcome, reasons: readonly string[]): string {
  const why = reasons.length === 0 ? '' : ` (${reasons[0]}${reasons.length > 1 ? `, +${reasons.length - 1} more` : ''})`;
  const hint = outcome === 'partial' || outcome === 'error' ? ', see the log' : '';
  return `${role}: last turn ${outcome}${why}${hint}`;
}
