import { describe, expect, it } from 'vitest';
import { reactionsTable } from './report.js';
import { quantile, signalFigures } from './stats.js';

describe('quantile', () => {
  it('takes the nearest rank, so p99 of 20 samples is the largest', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(10);
    expect(quantile(xs, 0.99)).toBe(20);
    expect(quantile([], 0.5)).toBeNull();
  });
});

describe('signalFigures', () => {
  const hop = (a: number | null, b: number | null, c: number | null, d: number | null, e: number | null) =>
    ({ hops: { 'agent turn began': a, 'speaker call began': b, 'reflector got it': c, 'first router kernel': d, 'every router kernel': e } });

  it('splits each reaction into the time spent per hop and names the hop that dominates', () => {
    const f = signalFigures({ signal: 'l4-enable', speaker: 'bird', notes: [], samples: [hop(10, 50, 60, 300, 320), hop(20, 70, 90, 400, 450), hop(30, 90, 100, 500, 520)] });
    expect(f.totalP50).toBe(450);
    expect(f.totalP99).toBe(520);
    expect(f.complete).toBe(3);
    const spent = Object.fromEntries(f.hops.map((h) => [h.hop, h.spentP50]));
    expect(spent).toEqual({ 'agent turn began': 20, 'speaker call began': 50, 'first router kernel': 330, 'every router kernel': 20 });
    expect(f.beside.find((b) => b.hop === 'reflector got it')?.atP50).toBe(90);
    expect(f.dominant).toBe('first router kernel');
    expect(f.targetMs).toBe(1000);
  });

  it('counts a hop after a missing one from the last hop that was seen', () => {
    const f = signalFigures({ signal: 'l4-enable', speaker: 'gobgp', notes: [], samples: [hop(10, null, null, 300, 320)] });
    expect(f.hops.find((h) => h.hop === 'first router kernel')?.spentP50).toBe(290);
    expect(f.hops.find((h) => h.hop === 'speaker call began')?.seen).toBe(0);
    expect(f.beside.find((h) => h.hop === 'reflector got it')?.seen).toBe(0);
  });

  it('a reaction never completed leaves the target missed in the table', () => {
    const f = signalFigures({ signal: 'l4-disable', speaker: 'gobgp', notes: [], samples: [hop(10, 50, 60, 300, null), hop(10, 50, 60, 200, 210)] });
    expect(f.complete).toBe(1);
    const table = reactionsTable({ startedAt: 'now', where: 'here', figures: [f], notes: [] });
    expect(table).toContain('| 1/2 |');
    expect(table).toContain('**missed**');
  });
});
