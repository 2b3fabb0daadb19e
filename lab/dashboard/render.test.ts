import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../bundle.js';
import { parseDashboard, parseResults } from './model.js';
import { PALETTE, packLegend, renderDashboard } from './render.js';

const dashboard = parseDashboard({
  title: 'tierlb <site>',
  panels: [
    { id: 1, type: 'timeseries', title: 'VIPs announced', gridPos: { x: 0, y: 0, w: 12, h: 8 }, targets: [{ refId: 'A', expr: 'sum by (instance, vip) (tierlb_ecmp_vip_announced)', legendFormat: '{{instance}} {{vip}}' }] },
    { id: 2, type: 'timeseries', title: 'Site files refused', gridPos: { x: 12, y: 0, w: 12, h: 8 }, targets: [{ refId: 'A', expr: 'increase(tierlb_agent_config_rejected_total[1m])' }] },
  ],
});

const results = parseResults({
  start: 1000, end: 1060, step: 5,
  targets: [
    { panelId: 1, refId: 'A', expr: 'sum by (instance, vip) (tierlb_ecmp_vip_announced)', series: [
      { metric: { instance: 'l4-1', vip: '198.51.100.1' }, values: [[1000, '1'], [1005, '1'], [1010, '0.5'], [1015, '0']] },
      { metric: { instance: 'l4-2', vip: '198.51.100.1' }, values: [[1000, '1'], [1005, '1'], [1010, '1'], [1015, '1']] },
    ] },
    { panelId: 2, refId: 'A', expr: 'increase(tierlb_agent_config_rejected_total[1m])', series: [] },
  ],
  markers: [{ at: 1010, text: 'l4-1# touch /etc/lb/disable' }],
  caption: 'evaluated by Prometheus',
});

const panelOf = (html: string, title: string): string => {
  const start = html.indexOf(`<h2>${title}</h2>`);
  return html.slice(start, html.indexOf('</section>', start));
};

describe('renderDashboard', () => {
  const html = renderDashboard(dashboard, results);

  it('places each panel on a 24-column CSS grid by its gridPos', () => {
    expect(html).toContain('grid-template-columns:repeat(24,1fr)');
    expect(html).toContain('grid-column:1 / span 12;grid-row:1 / span 8');
    expect(html).toContain('grid-column:13 / span 12;grid-row:1 / span 8');
  });

  it('draws one line per series, each in its own colour, named by the legendFormat', () => {
    const panel = panelOf(html, 'VIPs announced');
    expect(panel.match(/<path /g)).toHaveLength(2);
    expect(panel).toContain(`stroke="${PALETTE[0]}"`);
    expect(panel).toContain(`stroke="${PALETTE[1]}"`);
    expect(panel).toContain('</i>l4-1 198.51.100.1</li>');
    expect(panel).toContain('</i>l4-2 198.51.100.1</li>');
  });

  it('says "No data" in a panel whose query returned no series, and draws no chart there', () => {
    const panel = panelOf(html, 'Site files refused');
    expect(panel).toContain('No data');
    expect(panel).not.toContain('<svg');
  });

  it('escapes text from the dashboard and marks the run\'s actions on the charts', () => {
    expect(html).toContain('<h1>tierlb &lt;site&gt;</h1>');
    expect(html).toContain('<b>1</b> 00:16:50 l4-1# touch /etc/lb/disable');
    expect(panelOf(html, 'VIPs announced')).toContain('stroke-dasharray="3 3"');
  });

  it('shows a query Prometheus refused as its error', () => {
    const refused = parseResults({ ...results, targets: [{ panelId: 1, refId: 'A', expr: 'x', series: [], error: 'parse error' }] });
    const panel = panelOf(renderDashboard(dashboard, refused), 'VIPs announced');
    expect(panel).toContain('A: parse error');
    expect(panel).toContain('No data');
  });

  it('gives the same page for the same input', () => {
    expect(renderDashboard(dashboard, results)).toBe(html);
  });
});

describe('packLegend', () => {
  it('counts the entries that fit in the rows it may use', () => {
    const names = Array.from({ length: 40 }, (_, i) => `l4-1 l7-${i}`);
    const packed = packLegend(names, 400, 2);
    expect(packed.rows).toBe(2);
    expect(packed.shown).toBeGreaterThan(0);
    expect(packed.shown).toBeLessThan(40);
    expect(packLegend(names.slice(0, 2), 400, 2)).toEqual({ shown: 2, rows: 1 });
  });
});

describe('the project\'s dashboard', () => {
  it('parses, fits the 24 columns, and gives a panel per entry even with no results at all', () => {
    const d = parseDashboard(JSON.parse(readFileSync(join(REPO, 'packaging', 'grafana', 'tierlb-site.json'), 'utf8')));
    expect(d.panels.every((p) => p.gridPos.x + p.gridPos.w <= 24)).toBe(true);
    const html = renderDashboard(d, parseResults({ start: 0, end: 300, step: 5, targets: [] }));
    expect(html.match(/<section class="panel"/g)).toHaveLength(d.panels.length);
    expect(html.match(/No data/g)).toHaveLength(d.panels.length);
  });
});
