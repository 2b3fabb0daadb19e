// The live view of a flows run: one character per batch of ended flows,
// green `.` when the whole batch ended well, red with the count of broken
// flows otherwise (`3`, or `+` for ten and more), so a glance at the line
// shows when during a scenario flows broke.
import type { FlowResult } from './outcome.js';

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const RESET = '\u001b[0m';

export function batchMark(batch: readonly FlowResult[], color: boolean): string {
  const broken = batch.filter((r) => r.end !== 'complete').length;
  const mark = broken === 0 ? '.' : broken < 10 ? String(broken) : '+';
  if (!color) return mark;
  return `${broken === 0 ? GREEN : RED}${mark}${RESET}`;
}

/** Collects ended flows and emits a mark per full batch; flush() emits the rest. */
export class LiveView {
  private batch: FlowResult[] = [];

  constructor(
    private readonly batchSize: number,
    private readonly write: (text: string) => void,
    private readonly color: boolean,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`expected a batch size of at least 1, got ${batchSize}`);
  }

  add(result: FlowResult): void {
    this.batch.push(result);
    if (this.batch.length >= this.batchSize) this.flush();
  }

  flush(): void {
    if (this.batch.length === 0) return;
    this.write(batchMark(this.batch, this.color));
    this.batch = [];
  }
}
