import { describe, expect, it } from 'vitest';
import { calibratedClock } from './clock.js';

describe('calibratedClock', () => {
  it('sets the monotonic clock on the wall clock at the instant the wall clock ticks', () => {
    // The wall clock ticks from 1000 to 1001 ms while the monotonic one reads 5.3 ms.
    let mono = 5_000_000n;
    const wall = (): number => (mono >= 5_300_000n ? 1001 : 1000);
    const clock = calibratedClock({ wallMs: wall, monotonicNs: () => (mono += 100_000n) });
    mono = 7_300_000n - 100_000n;
    expect(clock()).toBeCloseTo(1003, 6);
  });
});
