import { describe, expect, it } from 'vitest';
import type { FlowResult } from '../flows/outcome.js';
import { scenarioFlows, servedVia } from './in-flight.js';
import { markdownTable, reactionText } from './report.js';
import type { BenchRun } from './result.js';

const flow = (startedAt: number, endedAt: number, end: FlowResult['end'], servedBy?: string): FlowResult => ({
  target: 'http://198.51.100.1/slow?seconds=30', source: '203.0.113.1', end, bytes: 1, expectedBytes: 1, startedAt, endedAt, ...(servedBy ? { servedBy } : {}),
});

describe('scenarioFlows', () => {
  it('counts the flows across the action, the broken ones, and those the failed element held', () => {
    const results = [
      flow(0, 50, 'complete'), // ended before the action: not in flight
      flow(0, 200, 'complete', 'srv-1.via.10.0.1.31'),
      flow(0, 150, 'reset', 'srv-2.via.10.0.1.31'),
      flow(10, 300, 'timeout', 'srv-2.via.10.0.1.32'),
      flow(120, 300, 'complete'), // started after the action
    ];
    const f = scenarioFlows(results, 100, { by: 'l7-1', holds: (r) => servedVia(r.servedBy)?.via === '10.0.1.31' });
    expect(f).toEqual({ inFlight: 3, broken: 2, total: 5, byEnd: { complete: 3, reset: 1, timeout: 1 }, held: { by: 'l7-1', flows: 2, broken: 1 } });
  });

  it('tells apart the broken flows that ended after a follow-up action', () => {
    const results = [flow(0, 150, 'reset'), flow(0, 260, 'short-read'), flow(0, 300, 'complete')];
    expect(scenarioFlows(results, 100, undefined, { what: 'the disable of l4-1', at: 250 }).followUp).toEqual({ what: 'the disable of l4-1', broken: 1 });
  });

  it('reads the server and the L7 address from X-Served-By', () => {
    expect(servedVia('srv-3.via.fd00:1::31')).toEqual({ server: 'srv-3', via: 'fd00:1::31' });
    expect(servedVia('srv-3')).toBeUndefined();
    expect(servedVia(undefined)).toBeUndefined();
  });
});

describe('markdownTable', () => {
  const run: BenchRun = {
    startedAt: '2026-11-23T12:00:00Z',
    lab: { site: 'lab', nodes: { router: 2, l4: 3 }, vips: 8, userAddresses: 400 },
    machine: { cpus: 2, cpuModel: 'cpu', memoryMb: 4096, kernel: 'Linux 6.1', where: 'UML guest, one CPU' },
    load: { flowsPerScenario: 240, secondsPerFlow: 30, targets: 12 },
    scenarios: [
      { id: '1', name: 'L4 node disabled | enabled', kind: 'planned', actions: ['touch /etc/lb/disable'], flows: { inFlight: 240, broken: 0, total: 240, byEnd: { complete: 240 } }, reactions: [{ what: 'routers', ms: 5400, targetMs: 6000, how: 'ip -ts monitor route' }], ok: true, notes: [] },
      { id: '4', name: 'L7 fails', kind: 'failure', actions: ['kill -9'], flows: { inFlight: 240, broken: 50, total: 240, byEnd: { complete: 190, reset: 50 }, held: { by: 'l7-2', flows: 60, broken: 50 } }, reactions: [{ what: 'IPVS', ms: null, targetMs: 6500, how: 'polling' }], ok: false, notes: ['why'] },
    ],
  };

  it('has one row per scenario with the figures, targets and notes', () => {
    const md = markdownTable(run);
    expect(md).toContain('| 1 | L4 node disabled \\| enabled | planned | **0** / 240 | routers: 5.40 s (target ≤ 6.00 s, met) | met |');
    expect(md).toContain('| 4 | L7 fails | failure | **50** / 240 (reset 50); l7-2 held 60, 50 of them broke | IPVS: not seen (target ≤ 6.50 s, MISSED) | **missed** |');
    expect(md).toContain('2 router, 3 l4; 8 VIPs, 400 user addresses');
    expect(md).toContain('- why');
  });

  it('has no moved-flows table without scenario moved', () => {
    expect(markdownTable(run)).not.toContain('Moved flows');
  });

  it('puts each moved row\'s predicted and measured shares side by side, with the difference and the verdict', () => {
    const m = { edit: 'l7-5 appended', table: 'api IPv4 198.51.100.3 port 80', predictedPercent: 20.4, modelOnTuplesPercent: 20.32, tuples: 3990, moved: 830, measuredPercent: (830 / 3990) * 100, differencePp: (830 / 3990) * 100 - 20.4, withinPp: 2, minTuples: 2000, within: true };
    const short = { ...m, table: 'api IPv6 2001:db8::c633:6403 port 80', tuples: 150, moved: 40, measuredPercent: (40 / 150) * 100, differencePp: (40 / 150) * 100 - 20.4, within: false };
    const md = markdownTable({ ...run, scenarios: [
      { id: 'moved.a.v4', scenario: 'moved', name: 'append', kind: 'planned', actions: [], flows: null, reactions: [], ok: true, notes: [], moved: m },
      { id: 'moved.a.v6', scenario: 'moved', name: 'append', kind: 'planned', actions: [], flows: null, reactions: [], ok: false, notes: [], moved: short, error: 'learn cut' },
    ] });
    expect(md).toContain('| moved.a.v4 | append | planned | no flows: 20.80% of 3990 tuples moved, 20.40% predicted | — | met |');
    expect(md).toContain('| # | edit | table | predicted | measured | difference | N | within 2 pp | model on the tuples |');
    expect(md).toContain('| moved.a.v4 | l7-5 appended | api IPv4 198.51.100.3 port 80 | 20.40% | 20.80% | +0.40 pp | 3990 | yes | 20.32% |');
    expect(md).toContain('| moved.a.v6 | l7-5 appended | api IPv6 2001:db8::c633:6403 port 80 | 20.40% | 26.67% | +6.27 pp | 150 | **no** (learn cut; fewer than 2000 tuples) | 20.32% |');
  });

  it('says when a reaction missed its target', () => {
    expect(reactionText({ what: 'x', ms: 7000, targetMs: 6500, how: '' })).toBe('x: 7.00 s (target ≤ 6.50 s, MISSED)');
  });
});
