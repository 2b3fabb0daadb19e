import { describe, expect, it } from 'vitest';
import { dataPathTable, median, metricSum, pairRatios, ppsFigures, type Window } from './figures.js';

describe('metricSum', () => {
  it('adds every series of the metric and nothing of a metric whose name starts the same', () => {
    const text = [
      '# HELP tierlb_l4_tunnel_checks_total connections',
      'tierlb_l4_tunnel_checks_total{real_server="l7-1",service="web",result="ok"} 120',
      'tierlb_l4_tunnel_checks_total{real_server="l7-2",service="web",result="timeout"} 3',
      'tierlb_l4_tunnel_checks_total_extra 99',
      'tierlb_l4_tunnel_checks_total 7',
    ].join('\n');
    expect(metricSum(text, 'tierlb_l4_tunnel_checks_total')).toBe(130);
    expect(metricSum('', 'x')).toBe(0);
  });
});

describe('ppsFigures', () => {
  it('takes the median rate of each mode\'s windows', () => {
    const windows: Window[] = [
      { mode: 'with', seconds: 10, l4Packets: 1000, l7Packets: 500, bytes: 10e6 },
      { mode: 'without', seconds: 10, l4Packets: 1200, l7Packets: 600, bytes: 12e6 },
      { mode: 'with', seconds: 10, l4Packets: 3000, l7Packets: 700, bytes: 30e6 },
      { mode: 'with', seconds: 10, l4Packets: 2000, l7Packets: 600, bytes: 20e6 },
    ];
    const [w, wo] = ppsFigures(windows);
    expect(w).toEqual({ mode: 'with', windows: 3, l4Pps: 200, l7Pps: 60, mbPerS: 2 });
    expect(wo).toEqual({ mode: 'without', windows: 1, l4Pps: 120, l7Pps: 60, mbPerS: 1.2 });
    expect(median([])).toBeNaN();
    expect(median([4, 1])).toBe(2.5);
  });

  it('prints the ratio attached / detached', () => {
    const md = dataPathTable({
      startedAt: '2026-12-03T00:00:00Z', where: 'here', checksWindowS: 20, notes: [],
      checks: [{ l4: 'l4-1', tunnelPerS: 24, monitorPerS: 2, agentCpu: 0.05, agentCpuWithout: 0.02 }],
      windows: [{ mode: 'with', seconds: 10, l4Packets: 900, l7Packets: 500, bytes: 1e6 }, { mode: 'without', seconds: 10, l4Packets: 1000, l7Packets: 500, bytes: 1e6 }],
    });
    expect(md).toContain('| l4-1 | 24.0 | 2.0 | 5.0 % | 2.0 % |');
    expect(md).toContain('| ratio attached / detached | | 0.900 | 1.000 | 1.000 |');
  });
});

describe('pairRatios', () => {
  it('divides each repetition\'s attached throughput by its detached one, whichever ran first', () => {
    const w = (mode: 'with' | 'without', bytes: number): Window => ({ mode, seconds: 10, l4Packets: 1, l7Packets: 1, bytes });
    expect(pairRatios([w('with', 90), w('without', 100), w('without', 50), w('with', 60), w('with', 10)])).toEqual([0.9, 1.2]);
    expect(pairRatios([w('with', 90), w('with', 100)])).toEqual([]);
  });
});
