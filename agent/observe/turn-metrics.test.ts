import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { showMaintenanceState } from './maintenance-metric.js';
import { observeTurn } from './turn-metrics.js';

const count = async (m: ReturnType<typeof createMetrics>, name: string): Promise<number> =>
  Number(new RegExp(`^${name}_count (\\d+)$`, 'm').exec(await m.registry.metrics())?.[1] ?? 0);

describe('observeTurn', () => {
  it('records the plan time of every turn and the apply time of turns that applied', async () => {
    const m = createMetrics(new Registry());
    observeTurn(m, 'applied', { waitedMs: 0, planMs: 4, applyMs: 120 });
    observeTurn(m, 'unchanged', { waitedMs: 0, planMs: 2, applyMs: 0 });
    observeTurn(m, 'partial', { waitedMs: 0, planMs: 3, applyMs: 40 });
    expect(await count(m, 'tierlb_agent_plan_duration_seconds')).toBe(3);
    expect(await count(m, 'tierlb_agent_apply_duration_seconds')).toBe(2);
    const text = await m.registry.metrics();
    expect(text).toContain('tierlb_agent_apply_duration_seconds_sum 0.16');
    expect(text).toContain('tierlb_agent_turns_total{outcome="unchanged"} 1');
  });
});

describe('showMaintenanceState', () => {
  it('keeps one series, the state read last', async () => {
    const m = createMetrics(new Registry());
    showMaintenanceState(m, '/etc/lb/disable', 'disabled');
    showMaintenanceState(m, '/etc/lb/disable', 'enabled');
    const values = (await m.maintenance.get()).values.map((v) => [v.labels.file, v.labels.state, v.value]);
    expect(values).toEqual([['/etc/lb/disable', 'enabled', 1]]);
  });
});
