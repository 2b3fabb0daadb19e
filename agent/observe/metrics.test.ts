import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../test/helpers/site.js';

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
