import { describe, expect, it } from 'vitest';
import { chainTable, resultBase } from './report.js';
import type { ChainSample } from './samples.js';
import { actionFigures } from './stats.js';

const sample = (answered: number, reflector: number | null, first: number | null, every: number | null): ChainSample =>
  ({ hops: { 'speaker answered': answered, 'first reflector got it': reflector, 'first router kernel': first, 'every router kernel': every } });

describe('actionFigures', () => {
  it('gives each hop its p50 and p99 over the repetitions that saw it', () => {
    const f = actionFigures({ speaker: 'bird', action: 'graceful-shutdown', samples: [sample(5, 2, 3, 4), sample(7, 3, 4, 6), sample(6, null, 5, null)] });
    expect(f.reps).toBe(3);
    expect(f.hops.map((h) => [h.hop, h.p50, h.p99, h.seen])).toEqual([
      ['speaker answered', 6, 7, 3],
      ['first reflector got it', 2, 3, 2],
      ['first router kernel', 4, 5, 3],
      ['every router kernel', 4, 6, 2],
    ]);
  });
});

describe('chainTable', () => {
  const table = chainTable({
    startedAt: '2026-12-02T14:00:00.000Z', where: 'here', tookSeconds: 61.4, notes: ['bird, repetition 3: late'],
    figures: [
      actionFigures({ speaker: 'gobgp', action: 'announce', samples: [sample(12.34, 10, 9, 1234.5)] }),
      actionFigures({ speaker: 'gobgp', action: 'withdraw', samples: [sample(6, 4, null, null), sample(7, 5, null, null)] }),
    ],
  });

  it('writes one row per speaker and action with p50 / p99 per hop', () => {
    expect(table).toContain('| gobgp | announce again → every router routes through the node again | 1 | 12.3 ms / 12.3 ms | 10.0 ms / 10.0 ms | 9.0 ms / 9.0 ms | 1.23 s / 1.23 s |');
  });

  it('shows a hop no repetition saw as missing, with the count', () => {
    expect(table).toContain('| 2 | 6.0 ms / 7.0 ms | 4.0 ms / 5.0 ms | — (seen 0/2) | — (seen 0/2) |');
  });

  it('ends with the time taken and the notes', () => {
    expect(table).toContain('Took 61 s in all.');
    expect(table).toContain('- bird, repetition 3: late');
  });
});

describe('resultBase', () => {
  it('names the results by the UTC minute the run started', () => {
    expect(resultBase(new Date('2026-12-02T11:59:23.996Z'))).toBe('bgp-chain-2026-12-02T1159Z');
  });
});
