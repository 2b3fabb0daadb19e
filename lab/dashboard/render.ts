// The dashboard as one HTML page: the panels where their gridPos puts them
// (a CSS grid of 24 columns), each with its title, a chart of the series its
// queries returned and a legend named by each target's legendFormat; "No
// data" where nothing came back, the error where Prometheus refused. Dark,
// like Grafana's default theme. Pure: the picture's only input is the page.
import { chartSvg, type ChartLine } from './chart.js';
import { escapeHtml } from './html.js';
import { GRID, HEADER_PX, panelBox } from './layout.js';
import { legendText } from './legend.js';
import type { Dashboard, DashboardPanel, DashboardResults } from './model.js';

/** Grafana's classic palette, in its order. */
export const PALETTE = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#37872d', '#e0b400', '#1f60c4', '#fa6400', '#c4162a', '#8f3bb8', '#96d98d', '#fff899', '#8ab8ff', '#ffb357', '#ff7383', '#ca95e5'] as const;

const PANEL_HEADER_PX = 28;
const PANEL_PAD_PX = 8;
const LEGEND_ROW_PX = 16;
/** At most this share of a panel's height goes to its legend; the rest is said as "+N more". */
const LEGEND_SHARE = 0.3;
/** DejaVu Sans at 11 px: about this wide per character, for packing legend entries into rows. */
const LEGEND_CHAR_PX = 6.6;
const LEGEND_ENTRY_EXTRA_PX = 26;

export interface RenderOptions { readonly pageWidth?: number }

interface Named { readonly name: string; readonly color: string; readonly line: ChartLine }

function seriesOf(panel: DashboardPanel, results: DashboardResults): { named: Named[]; errors: string[] } {
  const named: { name: string; points: ChartLine['points'] }[] = [];
  const errors: string[] = [];
  for (const t of panel.targets) {
    const r = results.targets.find((x) => x.panelId === panel.id && x.refId === t.refId);
    if (!r) { errors.push(`${t.refId}: not queried`); continue; }
    if (r.error !== undefined) errors.push(`${t.refId}: ${r.error}`);
    for (const s of r.series) named.push({ name: legendText(t.legendFormat, s.metric, t.expr), points: s.values.map(([at, v]) => [at, Number(v)] as const) });
  }
  const sorted = [...named].sort((a, b) => a.name.localeCompare(b.name));
  return {
    named: sorted.map((s, i) => {
      const color = PALETTE[i % PALETTE.length] ?? '#73bf69';
      return { name: s.name, color, line: { color, points: s.points } };
    }),
    errors,
  };
}

/** Legend entries packed into rows by their estimated width; those past `maxRows` are counted instead. */
export function packLegend(names: readonly string[], widthPx: number, maxRows: number): { shown: number; rows: number } {
  let rows = names.length > 0 ? 1 : 0;
  let used = 0;
  for (let i = 0; i < names.length; i++) {
    const w = (names[i]?.length ?? 0) * LEGEND_CHAR_PX + LEGEND_ENTRY_EXTRA_PX;
    if (used > 0 && used + w > widthPx) { rows++; used = 0; }
    if (rows > maxRows) return { shown: Math.max(0, i - 1), rows: maxRows };
    used += w;
  }
  return { shown: names.length, rows };
}

function legendHtml(named: readonly Named[], widthPx: number, maxRows: number): { html: string; heightPx: number } {
  if (named.length === 0) return { html: '', heightPx: 0 };
  const { shown, rows } = packLegend(named.map((n) => n.name), widthPx, maxRows);
  const entries = named.slice(0, shown).map((n) => `<li><i style="background:${n.color}"></i>${escapeHtml(n.name)}</li>`);
  if (shown < named.length) entries.push(`<li class="more">+${named.length - shown} more</li>`);
  return { html: `<ul class="legend">${entries.join('')}</ul>`, heightPx: rows * LEGEND_ROW_PX + 4 };
}

function panelHtml(panel: DashboardPanel, results: DashboardResults, pageWidth: number, markers: readonly { at: number; label: string }[]): string {
  const box = panelBox(panel.gridPos, pageWidth);
  const place = `grid-column:${panel.gridPos.x + 1} / span ${panel.gridPos.w};grid-row:${panel.gridPos.y + 1} / span ${panel.gridPos.h}`;
  const head = `<h2>${escapeHtml(panel.title)}</h2>`;
  const innerW = box.width - 2 * PANEL_PAD_PX;
  const innerH = box.height - PANEL_HEADER_PX - PANEL_PAD_PX;
  const { named, errors } = seriesOf(panel, results);
  const errorHtml = errors.map((e) => `<p class="error">${escapeHtml(e)}</p>`).join('');
  if (panel.type !== 'timeseries') return `<section class="panel" style="${place}">${head}<p class="empty">panel type ${escapeHtml(panel.type)} is not drawn here</p></section>`;
  if (named.length === 0) return `<section class="panel" style="${place}">${head}${errorHtml}<p class="empty">No data</p></section>`;
  const maxRows = Math.max(1, Math.floor((innerH * LEGEND_SHARE) / LEGEND_ROW_PX));
  const legend = legendHtml(named, innerW, maxRows);
  const chartH = Math.max(40, innerH - legend.heightPx - errors.length * 16);
  const svg = chartSvg({
    width: innerW, height: chartH, start: results.start, end: results.end, step: results.step,
    ...(panel.fieldConfig.defaults.unit !== undefined ? { unit: panel.fieldConfig.defaults.unit } : {}),
    lines: named.map((n) => n.line), markers,
  });
  return `<section class="panel" style="${place}">${head}${errorHtml}${svg}${legend.html}</section>`;
}

const utc = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

function style(pageWidth: number): string {
  return `*{box-sizing:border-box;margin:0;padding:0}
body{background:#111217;color:#ccccdc;font:12px "DejaVu Sans",sans-serif;width:${pageWidth}px;padding:${GRID.pagePaddingPx}px}
header{height:${HEADER_PX}px;overflow:hidden}
h1{font-size:18px;font-weight:500;color:#d8d9da;margin-bottom:4px}
header p{color:#9fa7b3;margin-bottom:3px}
ol.markers{display:flex;flex-wrap:wrap;gap:2px 18px;list-style:none;color:#9fa7b3;font-size:11px}
ol.markers b{color:#d8d9da;font-weight:500}
main{display:grid;grid-template-columns:repeat(${GRID.columns},1fr);grid-auto-rows:${GRID.rowPx}px;gap:${GRID.gapPx}px}
.panel{background:#181b1f;border:1px solid #2c3235;border-radius:2px;padding:0 ${PANEL_PAD_PX}px ${PANEL_PAD_PX}px;overflow:hidden;display:flex;flex-direction:column}
h2{font-size:13px;font-weight:500;color:#d8d9da;height:${PANEL_HEADER_PX}px;line-height:${PANEL_HEADER_PX}px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
svg{display:block;flex:none}
.legend{list-style:none;display:flex;flex-wrap:wrap;font-size:11px;line-height:${LEGEND_ROW_PX}px;margin-top:4px;overflow:hidden}
.legend li{margin-right:12px;white-space:nowrap}
.legend i{display:inline-block;width:12px;height:3px;vertical-align:middle;margin-right:5px;border-radius:1px}
.legend .more{color:#8e8e9a}
.empty{flex:1;display:flex;align-items:center;justify-content:center;color:#8e8e9a;font-size:14px}
.error{color:#f2495c;font-size:11px;line-height:16px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}`;
}

export function renderDashboard(dashboard: Dashboard, results: DashboardResults, options: RenderOptions = {}): string {
  const pageWidth = options.pageWidth ?? 1600;
  const markers = results.markers.map((m, i) => ({ at: m.at, label: String(i + 1), text: m.text }));
  const panels = [...dashboard.panels].sort((a, b) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x);
  const markerList = markers.length === 0 ? '' : `<ol class="markers">${markers.map((m) => `<li><b>${m.label}</b> ${escapeHtml(new Date(m.at * 1000).toISOString().slice(11, 19))} ${escapeHtml(m.text)}</li>`).join('')}</ol>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(dashboard.title)}</title><style>${style(pageWidth)}</style></head>
<body><header><h1>${escapeHtml(dashboard.title)}</h1><p>${utc(results.start)} to ${utc(results.end)}, step ${results.step} s</p>${results.caption !== undefined ? `<p>${escapeHtml(results.caption)}</p>` : ''}${markerList}</header>
<main>${panels.map((p) => panelHtml(p, results, pageWidth, markers)).join('\n')}</main></body></html>
`;
}
