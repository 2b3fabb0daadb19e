import { afterEach, describe, expect, it, vi } from 'vitest';
import { ComplaintLog } from './complaints.js';

function setup() {
  const lines: { msg: string; obj: Record<string, unknown> }[] = [];
  const keep = (obj: object, msg: string): void => { lines.push({ msg, obj: obj as Record<string, unknown> }); };
  const clock = { t: 1_000_000 };
  return { lines, clock, log: new ComplaintLog({ info: keep, warn: keep }, 10_000, () => clock.t) };
}

describe('ComplaintLog', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('logs the first complaint of a kind at once and only counts the rest of its interval', () => {
    const { lines, log } = setup();
    for (let i = 0; i < 5; i++) log.note('reset', { remote: '192.0.2.9' });
    log.flush();
    expect(lines.map((l) => l.obj)).toEqual([{ remote: '192.0.2.9', complaint: 'reset' }, { complaint: 'reset', suppressed: 4, intervalMs: 10_000 }]);
  });

  it('keeps an interval for each kind', () => {
    const { lines, log } = setup();
    log.note('reset');
    log.note('cap');
    log.note('reset');
    expect(lines.map((l) => l.msg)).toEqual(['agent-check connection failed', 'agent-check connection refused: too many open']);
  });

  it('logs the count of the suppressed ones when their interval ends', () => {
    vi.useFakeTimers();
    const { lines, clock, log } = setup();
    for (let i = 0; i < 3; i++) log.note('lifetime');
    clock.t += 10_000;
    vi.advanceTimersByTime(10_000);
    expect(lines.map((l) => l.obj.suppressed)).toEqual([undefined, 2]);
  });

  it('counts what follows a count line until the next interval ends', () => {
    vi.useFakeTimers();
    const { lines, clock, log } = setup();
    log.note('input');
    log.note('input');
    clock.t += 10_000;
    vi.advanceTimersByTime(10_000);
    clock.t += 5_000;
    log.note('input');
    expect(lines).toHaveLength(2);
  });

  it('logs at once again after a quiet interval', () => {
    const { lines, clock, log } = setup();
    log.note('reset');
    clock.t += 10_001;
    log.note('reset');
    expect(lines.map((l) => l.obj)).toEqual([{ complaint: 'reset' }, { complaint: 'reset' }]);
  });
});
