import { describe, expect, it } from 'vitest';
import { clockText, timeTicks, valueText, valueTicks } from './scale.js';

describe('axes', () => {
  it('puts value ticks on round steps covering the range', () => {
    expect(valueTicks(0, 1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(valueTicks(0, 87)).toEqual([0, 25, 50, 75, 100]);
  });

  it('puts time ticks on whole minutes for a window of minutes', () => {
    const start = 1_700_000_010;
    const ticks = timeTicks(start, start + 360, 8);
    expect(ticks.every((t) => t % 60 === 0)).toBe(true);
    expect(ticks).toHaveLength(6);
    expect(clockText(1_700_000_040)).toBe('22:14');
  });

  it('writes seconds as ms or s, and other values short', () => {
    expect(valueText(0.0123, 's')).toBe('12.3 ms');
    expect(valueText(2.5, 's')).toBe('2.5 s');
    expect(valueText(1500, undefined)).toBe('1.5K');
    expect(valueText(0.5, undefined)).toBe('0.5');
  });
});
