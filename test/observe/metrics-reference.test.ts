// docs/metrics.md is generated from the agent's metric declarations, and the
// Grafana dashboard in packaging/ may only query metrics an agent exports:
// both fail here when a metric is renamed or dropped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../agent/observe/metrics.js';
import { agentMetrics, METRICS_FILE, renderMetricsReference, seriesNames } from '../../scripts/gen-metrics-reference.js';
import { REPO } from '../helpers/site.js';

const DASHBOARD = join(REPO, 'packaging', 'grafana', 'tierlb-site.json');

interface Panel { readonly title: string; readonly targets?: readonly { readonly expr: string }[] }

/** Every series name an agent can export, the process metrics of prom-client included. */
function exported(): Set<string> {
  const registry = new Registry();
  createMetrics(registry, true);
  const all = registry.getMetricsAsArray() as unknown as { name: string; constructor: { name: string } }[];
  return new Set(all.flatMap((m) => seriesNames({ name: m.name, type: m.constructor.name.toLowerCase() as 'gauge', help: '', labels: [] })));
}

describe('docs/metrics.md', () => {
  it('is what scripts/gen-metrics-reference.ts generates (run `npm run docs:metrics`)', () => {
    expect(readFileSync(METRICS_FILE, 'utf8')).toBe(renderMetricsReference());
  });

  it('lists every metric with its labels', () => {
    const text = renderMetricsReference();
    expect(agentMetrics().length).toBeGreaterThan(10);
    expect(text).toContain('| `tierlb_l4_tunnel_checks_total` | counter | `real_server`, `service`, `result` |');
  });
});

describe('the Grafana dashboard', () => {
  const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels;

  it('queries only metrics the agents export', () => {
    const names = exported();
    const unknown = panels.flatMap((p) => (p.targets ?? []).flatMap((t) => [...t.expr.matchAll(/\btierlb_[a-z0-9_]+/g)].map((m) => m[0]).filter((n) => !names.has(n)).map((n) => `${p.title}: ${n}`)));
    expect(unknown).toEqual([]);
  });

  it('has a query in every panel, and shows every tier', () => {
    expect(panels.every((p) => (p.targets ?? []).length > 0)).toBe(true);
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    for (const tier of ['tierlb_ecmp_', 'tierlb_l4_', 'tierlb_l7_', 'tierlb_dns_', 'tierlb_agent_']) expect(exprs).toContain(tier);
  });
});
