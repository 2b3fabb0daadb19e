import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../test/helpers/site.js';
import { createMetrics, readAtMostEvery } from './metrics.js';

/** Event-loop iterations of a fresh process holding the agent's metrics with defaults, over one idle second. */
function idleIterations(): number {
  const script = `
    import { performance } from 'node:perf_hooks';
    import { createMetrics } from './agent/observe/metrics.ts';
    createMetrics(undefined, true);
    const start = performance.nodeTiming.uvMetricsInfo.loopCount;
    setTimeout(() => { console.log(performance.nodeTiming.uvMetricsInfo.loopCount - start); process.exit(0); }, 1000);`;
  return Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 }).trim());
}

describe('the agent\'s default metrics', () => {
  it('leave an idle agent\'s event loop asleep: a few wakeups a second, not a hundred', () => {
    const n = idleIterations();
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(20);
  });
});

describe('the programs\' counters', () => {
  it('are read from the program when scraped, not before, and at most once per the reader\'s period', async () => {
    const metrics = createMetrics();
    let now = 0;
    let reads = 0;
    metrics.programReaders.flowEntropy = readAtMostEvery(10_000, () => now, async () => {
      reads++;
      metrics.flowEntropyPackets.set({ family: 'ipv4', result: 'seen' }, 100 * reads);
    });
    expect(reads).toBe(0);
    expect(await metrics.registry.metrics()).toContain('tierlb_l4_flow_entropy_packets{family="ipv4",result="seen"} 100');
    now += 9_999;
    await metrics.registry.metrics();
    expect(reads).toBe(1);
    now += 1;
    expect(await metrics.registry.metrics()).toContain('tierlb_l4_flow_entropy_packets{family="ipv4",result="seen"} 200');
  });

  it('scrape without a reader: a node that holds no program shows none', async () => {
    const metrics = createMetrics();
    expect(await metrics.registry.metrics()).not.toContain('tierlb_l4_flow_entropy_packets{');
  });
});
