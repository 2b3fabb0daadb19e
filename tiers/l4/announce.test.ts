import { describe, expect, it } from 'vitest';
import { Duration } from '../../site/index.js';
import { type AnnounceInput, type DisableState, decideAnnounce, drainPhase } from './announce.js';

const DRAIN = Duration.ofSeconds(5);
const NOW = 10_000;
const ENABLED: DisableState = { disabled: false };
// Moments relative to NOW with a 5 s drain: one still draining, one long drained.
const TIMES = { no: undefined, draining: 8_000, drained: 2_000 } as const;
type When = keyof typeof TIMES;

function input(over: Partial<AnnounceInput>): AnnounceInput {
  return { disabled: ENABLED, now: NOW, drainTime: DRAIN, ipvsApplied: true, healthyL7: 2, quorum: 2, ...over };
}
function leaving(disable: When, stop: When): Partial<AnnounceInput> {
  const since = TIMES[disable];
  const disabled = since === undefined ? ENABLED : { disabled: true, since };
  const stopAt = TIMES[stop];
  return stopAt === undefined ? { disabled } : { disabled, stopRequestedAt: stopAt };
}

// What disable × stop alone decide, for a node that could otherwise announce.
const LEAVING: [When, When, 'yes' | 'graceful-shutdown' | 'no'][] = [
  ['no', 'no', 'yes'],
  ['no', 'draining', 'graceful-shutdown'],
  ['no', 'drained', 'no'],
  ['draining', 'no', 'graceful-shutdown'],
  ['draining', 'draining', 'graceful-shutdown'],
  ['draining', 'drained', 'no'],
  ['drained', 'no', 'no'],
  ['drained', 'draining', 'no'],
  ['drained', 'drained', 'no'],
];

describe('decideAnnounce over every combination', () => {
  it.each(LEAVING)('disabled %s, stopping %s, applied, quorum met: announce %s', (disable, stop, expected) => {
    expect(decideAnnounce(input(leaving(disable, stop))).announce).toBe(expected);
  });

  it.each(LEAVING.flatMap(([d, s]) => [1, 2, 3].map((healthy) => [d, s, healthy] as const)))(
    'disabled %s, stopping %s, IPVS not applied, %i healthy of quorum 2: does not announce',
    (disable, stop, healthyL7) => {
      expect(decideAnnounce(input({ ...leaving(disable, stop), ipvsApplied: false, healthyL7 })).announce).toBe('no');
    },
  );

  it.each(LEAVING.flatMap(([d, s]) => [0, 1].map((healthy) => [d, s, healthy] as const)))(
    'disabled %s, stopping %s, applied, %i healthy of quorum 2: does not announce',
    (disable, stop, healthyL7) => {
      expect(decideAnnounce(input({ ...leaving(disable, stop), healthyL7 })).announce).toBe('no');
    },
  );

  it.each(LEAVING.flatMap(([d, s, e]) => [2, 3, 4].map((healthy) => [d, s, healthy, e] as const)))(
    'disabled %s, stopping %s, applied, %i healthy of quorum 2: announce %s',
    (disable, stop, healthyL7, expected) => {
      expect(decideAnnounce(input({ ...leaving(disable, stop), healthyL7 })).announce).toBe(expected);
    },
  );
});

describe('drainPhase over time', () => {
  const disabledAt = (since: number): DisableState => ({ disabled: true, since });

  it.each([
    [1_000, { phase: 'draining', until: 6_000 }],
    [3_000, { phase: 'draining', until: 6_000 }],
    [5_999, { phase: 'draining', until: 6_000 }],
    [6_000, { phase: 'withdrawn' }],
    [60_000, { phase: 'withdrawn' }],
  ])('a node disabled at 1000 with a 5s drain is, at %i, %o', (now, phase) => {
    expect(drainPhase({ disabled: disabledAt(1_000), now, drainTime: DRAIN })).toEqual(phase);
  });

  it('announces again at once when the disable file is removed during the drain', () => {
    expect(drainPhase({ disabled: ENABLED, now: 3_000, drainTime: DRAIN })).toEqual({ phase: 'announcing' });
  });

  it('keeps draining when the disable file is removed during a planned stop', () => {
    const phase = drainPhase({ disabled: ENABLED, stopRequestedAt: 1_000, now: 3_000, drainTime: DRAIN });
    expect(phase).toEqual({ phase: 'draining', until: 6_000 });
  });

  it('does not restart the drain when a stop comes during a disable drain', () => {
    const phase = drainPhase({ disabled: disabledAt(1_000), stopRequestedAt: 4_000, now: 5_000, drainTime: DRAIN });
    expect(phase).toEqual({ phase: 'draining', until: 6_000 });
  });

  it('withdraws at once when the disable has no time to drain from', () => {
    expect(drainPhase({ disabled: { disabled: true }, now: 0, drainTime: DRAIN })).toEqual({ phase: 'withdrawn' });
  });

  it('withdraws at once with a zero drain time', () => {
    const phase = drainPhase({ disabled: disabledAt(1_000), now: 1_000, drainTime: Duration.ofMs(0) });
    expect(phase).toEqual({ phase: 'withdrawn' });
  });
});

describe('decideAnnounce reasons', () => {
  it.each([
    [{}, 'yes', 'IPVS applied, 2 healthy L7 node(s), quorum is 2'],
    [{ ipvsApplied: false }, 'no', 'IPVS state not applied and verified yet: learn before announcing'],
    [{ healthyL7: 1 }, 'no', '1 healthy L7 node(s), quorum is 2'],
    [{ disabled: { disabled: true, since: 8_000, reason: 'kernel upgrade' } }, 'graceful-shutdown',
      'disabled (kernel upgrade): graceful-shutdown community for 5s, then withdraw'],
    [{ stopRequestedAt: 2_000 }, 'no', 'stopping: withdrawn after the graceful-shutdown drain'],
    [{ disabled: { disabled: true, since: 9_000 }, stopRequestedAt: 9_500 }, 'graceful-shutdown',
      'disabled and stopping: graceful-shutdown community for 5s, then withdraw'],
    [{ disabled: { disabled: true } }, 'no', 'disabled: withdrawn at once, no time to drain from'],
  ] as const)('for %o answers %s because "%s"', (over, announce, reason) => {
    expect(decideAnnounce(input(over))).toMatchObject({ announce, reason });
  });

  it('tells the caller when the graceful-shutdown phase ends', () => {
    expect(decideAnnounce(input({ stopRequestedAt: 8_000 })).until).toBe(13_000);
  });

  it('names the disable rather than the missing IPVS state once the drain is over', () => {
    const d = decideAnnounce(input({ disabled: { disabled: true, since: 0 }, ipvsApplied: false }));
    expect(d.reason).toMatch(/^disabled: withdrawn/);
  });
});
