// The agent's single writer. Every event (file change, health change, timer)
// kicks it; kicks that arrive while a turn runs coalesce into one more turn.
// A turn plans from the current inputs and applies only when the plan differs
// from the last one applied in full; a partly failed apply is retried on the
// next kick because it is not recorded as applied.
export interface TurnSteps<P> {
  /** Reads the inputs (files, health, daemon state) and plans; the planning itself is pure. */
  plan(): P | Promise<P>;
  same(a: P, b: P): boolean;
  /** Returns true when every operation of the plan succeeded. */
  apply(plan: P): Promise<boolean>;
}

export type TurnOutcome = 'applied' | 'unchanged' | 'partial' | 'error';

export class OneWriter<P> {
  private running: Promise<void> | undefined;
  private again = false;
  private lastApplied: P | undefined;
  private reasons: string[] = [];

  constructor(
    private readonly steps: TurnSteps<P>,
    private readonly onTurn: (outcome: TurnOutcome, reasons: readonly string[], error?: unknown) => void,
  ) {}

  /** Asks for a turn; resolves when the inputs seen at this call have been planned and applied. */
  kick(reason: string): Promise<void> {
    this.reasons.push(reason);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Forgets the last applied plan, so the next turn applies even an equal plan (drift repair). */
  invalidate(): void {
    this.lastApplied = undefined;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      const reasons = this.reasons;
      this.reasons = [];
      await this.turn(reasons);
    } while (this.again);
  }

  private async turn(reasons: readonly string[]): Promise<void> {
    try {
      const plan = await this.steps.plan();
      if (this.lastApplied !== undefined && this.steps.same(plan, this.lastApplied)) {
        this.onTurn('unchanged', reasons);
        return;
      }
      const complete = await this.steps.apply(plan);
      if (complete) this.lastApplied = plan;
      this.onTurn(complete ? 'applied' : 'partial', reasons);
    } catch (error) {
      this.onTurn('error', reasons, error);
    }
  }
}
