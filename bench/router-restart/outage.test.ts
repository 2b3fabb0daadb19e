import { describe, expect, it } from 'vitest';
import { figures, hopsOfJson, runOutage } from './outage.js';

describe('runOutage', () => {
  it('counts a short sample until the next one, and a gone one as gone too', () => {
    const o = runOutage([{ at: 0, hops: 2 }, { at: 30, hops: 0 }, { at: 60, hops: 1 }, { at: 100, hops: 2 }, { at: 130, hops: 2 }], 2);
    expect(o).toEqual({ shortMs: 70, goneMs: 30, firstShortAt: 30, lastShortAt: 60, samples: 5, worstIntervalMs: 40 });
  });

  it('sees no outage when every sample has the wanted next hops, whatever their order', () => {
    const o = runOutage([{ at: 50, hops: 2 }, { at: 0, hops: 2 }, { at: 20, hops: 3 }], 2);
    expect(o).toMatchObject({ shortMs: 0, goneMs: 0, firstShortAt: null, lastShortAt: null, worstIntervalMs: 30 });
  });

  it('gives the last sample no time: the window ends there', () => {
    expect(runOutage([{ at: 0, hops: 2 }, { at: 40, hops: 0 }], 2)).toMatchObject({ shortMs: 0, firstShortAt: 40 });
  });
});

describe('figures', () => {
  it('gives nearest-rank p50 and p99 and the max', () => {
    expect(figures([5, 1, 9, 3, 7])).toEqual({ p50: 5, p99: 9, max: 9, n: 5 });
  });

  it('gives nulls for no runs', () => {
    expect(figures([])).toEqual({ p50: null, p99: null, max: null, n: 0 });
  });
});

describe('hopsOfJson', () => {
  it('counts the next hops of a multipath route', () => {
    expect(hopsOfJson('[{"dst":"198.51.100.1","protocol":"bird","nexthops":[{"gateway":"10.0.0.21"},{"gateway":"10.0.0.22"}]}]')).toBe(2);
  });

  it('counts one for a single-path route and none for no route', () => {
    expect(hopsOfJson('[{"dst":"198.51.100.1","gateway":"10.0.0.21","dev":"eth0"}]')).toBe(1);
    expect(hopsOfJson('[]\n')).toBe(0);
    expect(hopsOfJson('')).toBe(0);
  });
});
