import { describe, expect, it } from 'vitest';
import {
  type CheckOutcome, type TargetHealth, INITIAL_HEALTH, JOINING_HEALTH, describeOutcome, isUp, replayHealth, stepHealth,
} from './health.js';

// One letter per check: o ok, f bad status, t timeout, x refused, r reset, m maintenance (503 from the enabler), s the checker stalled.
const LETTERS: Record<string, CheckOutcome> = {
  s: { kind: 'stalled', lateMs: 1500 },
  o: { kind: 'ok' }, f: { kind: 'fail', reason: 'HTTP 503' }, t: { kind: 'timeout' }, x: { kind: 'refused' }, r: { kind: 'reset' }, m: { kind: 'maintenance', reason: 'HTTP 503: L7 node in maintenance (enabler down)' },
};
function checks(letters: string): CheckOutcome[] {
  return [...letters].map((l) => LETTERS[l] ?? { kind: 'fail', reason: `bad letter ${l}` });
}
const RULE = { rise: 2, fall: 3 };
const up: TargetHealth = replayHealth(checks('oo'), RULE);
const down: TargetHealth = replayHealth(checks('x'), RULE);
/** Every state visited while replaying `letters` from `from`. */
function statesOf(letters: string, from: TargetHealth, rule = RULE): string[] {
  const seen: string[] = [];
  checks(letters).reduce((h, o, i) => {
    const next = stepHealth(h, o, rule, i);
    seen.push(next.state);
    return next;
  }, from);
  return seen;
}
function alternating(first: 'o' | 'f' | 't', length: number): string {
  const other = first === 'o' ? 'f' : 'o';
  return Array.from({ length }, (_, i) => (i % 2 === 0 ? first : other)).join('');
}

describe('a target that was never checked', () => {
  it('is unknown and not up, so an L4 node learns before announcing', () => {
    expect(INITIAL_HEALTH.state).toBe('unknown');
    expect(isUp(INITIAL_HEALTH)).toBe(false);
  });

  it.each([1, 2, 3, 5])('comes up on exactly the %ith consecutive success when rise is that', (rise) => {
    const rule = { rise, fall: 3 };
    expect(replayHealth(checks('o'.repeat(rise - 1)), rule).state).toBe('unknown');
    expect(replayHealth(checks('o'.repeat(rise)), rule).state).toBe('up');
  });

  it.each(['fff', 'ttt', 'ftf'])('goes down after fall failures %s without ever being up', (letters) => {
    expect(statesOf(letters, INITIAL_HEALTH)).toEqual(['unknown', 'unknown', 'down']);
  });
});

describe('an up target', () => {
  it.each(['f', 't'])('stays up for fall - 1 failures of kind %s and goes down on the fall-th', (l) => {
    expect(statesOf(l.repeat(3), up)).toEqual(['up', 'up', 'down']);
  });

  it.each(['x', 'r'])('goes down at once on %s, whatever fall says', (l) => {
    expect(stepHealth(up, checks(l)[0] ?? { kind: 'ok' }, { rise: 2, fall: 10 }, 7).state).toBe('down');
  });

  it('forgets earlier failures after one success', () => {
    expect(statesOf('ffoff', up)).toEqual(['up', 'up', 'up', 'up', 'up']);
  });

  it('neither counts nor forgets checks its checker ran too late to judge: fall timeouts around them still take it down', () => {
    expect(statesOf('ttssst', up)).toEqual(['up', 'up', 'up', 'up', 'up', 'down']);
    expect(statesOf('sssssss', up).every((x) => x === 'up')).toBe(true);
    expect(stepHealth(up, { kind: 'stalled', lateMs: 900 }, RULE, 99)).toBe(up);
  });

  it('does not come up on stalled checks, nor lose the successes before them', () => {
    expect(statesOf('osso', INITIAL_HEALTH)).toEqual(['unknown', 'unknown', 'unknown', 'up']);
  });

  it('goes down on the first failure when fall is 1', () => {
    expect(stepHealth(up, { kind: 'timeout' }, { rise: 2, fall: 1 }, 0).state).toBe('down');
  });
});

describe('a down target', () => {
  it('stays down on more failures and keeps the time it went down', () => {
    const h = stepHealth(stepHealth(INITIAL_HEALTH, { kind: 'refused' }, RULE, 100), { kind: 'timeout' }, RULE, 200);
    expect(h).toMatchObject({ state: 'down', since: 100, consecutiveFail: 2, lastReason: 'timeout' });
  });

  it('comes back up after rise consecutive successes, at the time of the last one', () => {
    const h = replayHealth(checks('oo'), RULE, 1000, 10, down);
    expect(h).toEqual({ state: 'up', consecutiveOk: 2, consecutiveFail: 0, since: 1010, returnedAt: 1010 });
  });

  it('keeps the reason of its last failure while it is not up yet', () => {
    expect(replayHealth(checks('o'), RULE, 0, 1, down).lastReason).toBe('connection refused');
  });
});

describe('flapping', () => {
  const lengths = [2, 3, 4, 7, 20];

  it.each(lengths.flatMap((n) => [['o', n], ['f', n], ['t', n]] as const))(
    'alternating checks starting with %s over %i checks never bring an unknown target up with rise 2',
    (first, n) => expect(statesOf(alternating(first, n), INITIAL_HEALTH)).not.toContain('up'),
  );

  it.each(lengths.flatMap((n) => [['o', n], ['f', n], ['t', n]] as const))(
    'alternating checks starting with %s over %i checks never bring an up target down with fall 3',
    (first, n) => expect(statesOf(alternating(first, n), up)).not.toContain('down'),
  );

  it.each(lengths.flatMap((n) => [['o', n], ['f', n]] as const))(
    'alternating checks starting with %s over %i checks never bring a down target up with rise 2',
    (first, n) => expect(statesOf(alternating(first, n), down)).not.toContain('up'),
  );

  it.each(['oxox', 'orox', 'xo', 'omom', 'mo'])('%s brings an up target down at the first refused, reset or maintenance answer', (letters) => {
    const states = statesOf(letters, up);
    expect(states[letters.search(/[xrm]/)]).toBe('down');
  });

  it('brings a target back from maintenance only after rise good checks', () => {
    expect(statesOf('mo', up)).toEqual(['down', 'down']);
    expect(statesOf('moo', up).at(-1)).toBe('up');
  });
});

describe('when a target came back, for the weight ramp', () => {
  it('records the return of a target that was down', () => {
    expect(replayHealth(checks('oo'), RULE, 500, 10, down).returnedAt).toBe(510);
  });

  it('keeps the time of the return while the target stays up', () => {
    const back = replayHealth(checks('oo'), RULE, 500, 10, down);
    expect(replayHealth(checks('ooo'), RULE, 900, 10, back).returnedAt).toBe(510);
  });

  it('records no return for a target first learned up: a starting checker ramps nobody', () => {
    expect(replayHealth(checks('oo'), RULE)).not.toHaveProperty('returnedAt');
  });

  it('records the coming up of a target that joined a running checker as a return', () => {
    expect(replayHealth(checks('oo'), RULE, 300, 10, JOINING_HEALTH).returnedAt).toBe(310);
  });

  it('keeps a joining target joining until its first verdict, and forgets it after', () => {
    expect(replayHealth(checks('o'), RULE, 0, 1, JOINING_HEALTH).joining).toBe(true);
    expect(replayHealth(checks('x'), RULE, 0, 1, JOINING_HEALTH)).not.toHaveProperty('joining');
  });

  it('drops the return when the target goes down again', () => {
    const back = replayHealth(checks('oo'), RULE, 500, 10, down);
    expect(replayHealth(checks('x'), RULE, 900, 10, back)).not.toHaveProperty('returnedAt');
  });
});

describe('bookkeeping', () => {
  it('records when the state changed, not when the last check ran', () => {
    const h = replayHealth(checks('ooooo'), RULE, 0, 10);
    expect(h.since).toBe(10);
  });

  it('drops the failure reason once the target is up', () => {
    expect(replayHealth(checks('foo'), RULE)).not.toHaveProperty('lastReason');
  });

  it.each([
    [{ kind: 'ok' }, 'ok'],
    [{ kind: 'fail', reason: 'HTTP 503' }, 'HTTP 503'],
    [{ kind: 'refused' }, 'connection refused'],
    [{ kind: 'reset' }, 'connection reset'],
    [{ kind: 'timeout' }, 'timeout'],
  ] as const)('describes %o as "%s"', (outcome, words) => {
    expect(describeOutcome(outcome)).toBe(words);
  });
});
