import { describe, expect, it } from 'vitest';
import { needsLateStream } from './blackhole.js';

describe('needsLateStream', () => {
  it('starts a stream of its own when weight 0 came within the hold of the stream\'s end, or after it', () => {
    expect(needsLateStream(95_000, 100_000, 6000)).toBe(true);
    expect(needsLateStream(130_000, 100_000, 6000)).toBe(true);
  });

  it('keeps the one stream when it runs on for the hold after weight 0, or when weight 0 never came', () => {
    expect(needsLateStream(60_000, 100_000, 6000)).toBe(false);
    expect(needsLateStream(94_000, 100_000, 6000)).toBe(false);
    expect(needsLateStream(null, 100_000, 6000)).toBe(false);
  });
});
