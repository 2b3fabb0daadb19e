import { describe, expect, it } from 'vitest';
import { OneWriter, type TurnOutcome } from './one-writer.js';

/** A fake data plane that records applies and fails if two run at once. */
function harness(opts: { failFirst?: boolean } = {}) {
  let input = 1;
  let inFlight = 0;
  let fail = opts.failFirst ?? false;
  const applied: number[] = [];
  const outcomes: TurnOutcome[] = [];
  let release: (() => void) | undefined;
  const gate = { hold: false };
  const writer = new OneWriter<number>(
    {
      plan: () => input,
      same: (a, b) => a === b,
      apply: async (p) => {
        inFlight++;
        if (inFlight > 1) throw new Error('two applies ran at once');
        if (gate.hold) await new Promise<void>((r) => { release = r; });
        inFlight--;
        if (fail) { fail = false; return false; }
        applied.push(p);
        return true;
      },
    },
    (o) => outcomes.push(o),
  );
  return { writer, applied, outcomes, gate, set: (v: number) => { input = v; }, release: () => release?.() };
}

describe('OneWriter', () => {
  it('applies the first plan', async () => {
    const h = harness();
    await h.writer.kick('start');
    expect(h.applied).toEqual([1]);
  });

  it('skips a plan equal to the last applied one', async () => {
    const h = harness();
    await h.writer.kick('start');
    await h.writer.kick('file touched, nothing changed');
    expect(h.applied).toEqual([1]);
    expect(h.outcomes).toEqual(['applied', 'unchanged']);
  });

  it('coalesces a burst of kicks during a turn into one more turn with the newest input', async () => {
    const h = harness();
    h.gate.hold = true;
    const first = h.writer.kick('a');
    for (let v = 2; v <= 10; v++) { h.set(v); void h.writer.kick(`burst ${v}`); }
    h.gate.hold = false;
    h.release();
    await first;
    expect(h.applied).toEqual([1, 10]);
  });

  it('takes no kick after close, and close waits for the turn in flight without starting the one asked for during it', async () => {
    const h = harness();
    h.gate.hold = true;
    const first = h.writer.kick('a');
    h.set(2);
    void h.writer.kick('during the turn');
    const closed = h.writer.close();
    h.set(3);
    await h.writer.kick('after close');
    h.gate.hold = false;
    h.release();
    await closed;
    await first;
    expect(h.applied).toEqual([1]);
    await h.writer.kick('later');
    expect(h.applied).toEqual([1]);
  });

  it('retries a partly failed plan on the next kick even if the plan is the same', async () => {
    const h = harness({ failFirst: true });
    await h.writer.kick('start');
    await h.writer.kick('retry');
    expect(h.outcomes).toEqual(['partial', 'applied']);
    expect(h.applied).toEqual([1]);
  });

  it('applies an equal plan again on a repair kick, so the appliers can look at what they own', async () => {
    const h = harness();
    await h.writer.kick('start');
    await h.writer.kick('drift check due', { repair: true });
    expect(h.applied).toEqual([1, 1]);
  });

  it('skips an equal plan again after the repair turn', async () => {
    const h = harness();
    await h.writer.kick('start');
    await h.writer.kick('speaker restarted', { repair: true });
    await h.writer.kick('file touched');
    expect(h.outcomes).toEqual(['applied', 'applied', 'unchanged']);
  });

  it('keeps a repair asked for during a turn for the turn after it', async () => {
    const h = harness();
    await h.writer.kick('start');
    h.gate.hold = true;
    const running = h.writer.kick('file touched');
    void h.writer.kick('daemon restarted', { repair: true });
    h.gate.hold = false;
    h.release();
    await running;
    expect(h.applied).toEqual([1, 1]);
  });

  it('reports a throwing planner as an error turn and keeps working', async () => {
    let boom = true;
    const outcomes: TurnOutcome[] = [];
    const w = new OneWriter<number>({ plan: () => { if (boom) throw new Error('bad'); return 1; }, same: (a, b) => a === b, apply: async () => true }, (o) => outcomes.push(o));
    await w.kick('one');
    boom = false;
    await w.kick('two');
    expect(outcomes).toEqual(['error', 'applied']);
  });
});

describe('OneWriter timing', () => {
  it('says how long a turn waited behind the previous one, planned and applied', async () => {
    let now = 0;
    let input = 1;
    const timings: { outcome: TurnOutcome; waitedMs: number; planMs: number; applyMs: number }[] = [];
    const w: OneWriter<number> = new OneWriter<number>({
      plan: () => { now += 5; return input; },
      same: (a, b) => a === b,
      apply: async (p) => {
        // While the first turn applies, at 50, an event kicks again.
        if (p === 1) { now = 50; input = 2; void w.kick('second'); }
        now += 100;
        return true;
      },
    }, (outcome, _reasons, _err, t) => timings.push({ outcome, ...t }), () => now);
    await w.kick('first');
    expect(timings).toEqual([
      { outcome: 'applied', waitedMs: 0, planMs: 5, applyMs: 145 },
      // Kicked at 50, started at 150 once the first turn ended.
      { outcome: 'applied', waitedMs: 100, planMs: 5, applyMs: 100 },
    ]);
  });
});
