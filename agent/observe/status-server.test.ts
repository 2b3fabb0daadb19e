import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { startStatusServer } from './status-server.js';

describe('status endpoint', () => {
  it('serves the status report as JSON and the metrics as Prometheus text', async () => {
    const metrics = createMetrics(new Registry());
    metrics.ipvsDrift.inc({ service: 'web' });
    const ep = await startStatusServer('127.0.0.1', 0, async () => ({ node: 'l4-1', role: 'l4', site: 's', maintenance: [], daemons: [], services: [] }), metrics.registry);
    try {
      const status = await (await fetch(`http://127.0.0.1:${ep.port}/status`)).json();
      expect(status).toMatchObject({ node: 'l4-1', role: 'l4' });
      const text = await (await fetch(`http://127.0.0.1:${ep.port}/metrics`)).text();
      expect(text).toContain('tierlb_l4_ipvs_drift_total{service="web"} 1');
      expect((await fetch(`http://127.0.0.1:${ep.port}/nope`)).status).toBe(404);
    } finally {
      await ep.close();
    }
  });
});
