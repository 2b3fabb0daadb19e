import { describe, expect, it } from 'vitest';
import { RAMP_STEPS, rampWeight } from './ramp.js';

const RAMP = 30_000;

describe('rampWeight', () => {
  it.each([
    [0, 25, 1, 10_000], [9999, 25, 1, 10_000],
    [10_000, 50, 2, 20_000], [19_999, 50, 2, 20_000],
    [20_000, 75, 3, 30_000], [29_999, 75, 3, 30_000],
  ])('gives a node back for %i ms weight %i (step %i, next at %i)', (elapsed, weight, step, until) => {
    expect(rampWeight(100, 1000, 1000 + elapsed, RAMP)).toEqual({ weight, step, until: 1000 + until });
  });

  it('gives full weight, and no more wake-up, once the ramp is over', () => {
    expect(rampWeight(100, 1000, 1000 + RAMP, RAMP)).toEqual({ weight: 100 });
  });

  it('gives full weight to a node that never left (first learned up)', () => {
    expect(rampWeight(100, undefined, 5000, RAMP)).toEqual({ weight: 100 });
  });

  it('gives full weight at once without a ramp', () => {
    expect(rampWeight(100, 1000, 1000, 0)).toEqual({ weight: 100 });
  });

  it('reads a clock that stepped back as the first step', () => {
    expect(rampWeight(100, 1000, 500, RAMP)).toMatchObject({ weight: 25, step: 1 });
  });

  it('never gives weight 0, which would drain the node', () => {
    expect(rampWeight(1, 0, 0, RAMP).weight).toBe(1);
  });

  it('gives only RAMP_STEPS weights, the last one full, however often it is asked', () => {
    const weights = new Set(Array.from({ length: 400 }, (_, i) => rampWeight(100, 0, i * 100, RAMP).weight));
    expect(weights.size).toBe(RAMP_STEPS);
  });

  it('rises with time and never falls', () => {
    const weights = Array.from({ length: 50 }, (_, i) => rampWeight(100, 0, i * 500, RAMP).weight);
    expect(weights).toEqual([...weights].sort((a, b) => a - b));
  });
});
