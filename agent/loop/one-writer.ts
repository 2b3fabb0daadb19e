// The agent's single writer. Every event (file change, health change, timer)
// kicks it; kicks that arrive while a turn runs coalesce into one more turn.
// A turn plans from the current inputs and applies only when the plan differs
// from the last one applied in full; a partly failed apply is retried on the
// next kick because it is not recorded as applied. A kick that says the world
// moved under the appliers (a daemon restarted, a drift check is due) asks
// for a repair: the next turn applies even an equal plan, and each applier
// decides from what it owns whether anything needs doing.
export interface TurnSteps<P> {
  /** Reads the inputs (files, health, daemon state) and plans; the planning itself is pure. */
  plan(): P | Promise<P>;
  same(a: P, b: P): boolean;
  /** Returns true when every operation of the plan succeeded. */
  apply(plan: P): Promise<boolean>;
}

export type TurnOutcome = 'applied' | 'unchanged' | 'partial' | 'error';

/** Where a turn's time went, so a slow reaction can be told apart: waiting for the previous turn, planning, applying. */
export interface TurnTiming {
  /** From the first kick of this turn to its start (a running turn finishes first). */
  readonly waitedMs: number;
  readonly planMs: number;
  readonly applyMs: number;
}

export class OneWriter<P> {
  private running: Promise<void> | undefined;
  private again = false;
  private lastApplied: P | undefined;
  private reasons: string[] = [];

  constructor(
    private readonly steps: TurnSteps<P>,
    private readonly onTurn: (outcome: TurnOutcome, reasons: readonly string[], error: unknown, timing: TurnTiming) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}
  private firstKickAt: number | undefined;
  private repairNext = false;
  private closed = false;

  /** Asks for a turn; resolves when the inputs seen at this call have been planned and applied. */
  kick(reason: string, opts: { readonly repair?: boolean } = {}): Promise<void> {
    // After a planned stop began, the stop owns the data plane: a turn now could announce what it withdrew.
    if (this.closed) return Promise.resolve();
    this.reasons.push(reason);
    if (opts.repair === true) this.repairNext = true;
    this.firstKickAt ??= this.now();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Takes no more kicks; resolves once the turn in flight, if any, has finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.again = false;
    await this.running;
  }


  private async drain(): Promise<void> {
    do {
      this.again = false;
      const reasons = this.reasons;
      const kickedAt = this.firstKickAt ?? this.now();
      this.reasons = [];
      this.firstKickAt = undefined;
      await this.turn(reasons, kickedAt);
    } while (this.again && !this.closed);
  }

  private async turn(reasons: readonly string[], kickedAt: number): Promise<void> {
    const start = this.now();
    let planned: number | undefined;
    const timing = (): TurnTiming => {
      const end = this.now();
      return { waitedMs: Math.round(start - kickedAt), planMs: Math.round((planned ?? end) - start), applyMs: planned === undefined ? 0 : Math.round(end - planned) };
    };
    try {
      const repair = this.repairNext;
      this.repairNext = false;
      const plan = await this.steps.plan();
      planned = this.now();
      if (!repair && this.lastApplied !== undefined && this.steps.same(plan, this.lastApplied)) {
        this.onTurn('unchanged', reasons, undefined, timing());
        return;
      }
      const complete = await this.steps.apply(plan);
      if (complete) this.lastApplied = plan;
      this.onTurn(complete ? 'applied' : 'partial', reasons, undefined, timing());
    } catch (error) {
      this.onTurn('error', reasons, error, timing());
    }
  }
}
