// One panel's chart as inline SVG: value and time axes with a grid, a line
// per series (broken where Prometheus returned no sample for a step), and a
// dashed marker at each instant the run acted. Pure: the same input gives
// the same text.
import { escapeHtml } from './html.js';
import { clockText, timeTicks, valueText, valueTicks } from './scale.js';

export interface ChartLine {
  readonly color: string;
  /** [unix seconds, value]; a value that is not finite (NaN from an empty histogram) is a gap. */
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartInput {
  readonly width: number;
  readonly height: number;
  readonly start: number;
  readonly end: number;
  /** The range queries' step: two samples further apart than 1.5 steps are not joined. */
  readonly step: number;
  readonly unit?: string;
  readonly lines: readonly ChartLine[];
  /** Instants to mark, numbered as the page's list numbers them. */
  readonly markers: readonly { readonly at: number; readonly label: string }[];
}

const PAD = { left: 52, right: 10, top: 8, bottom: 20 } as const;
const AXIS_TEXT = '#8e8e9a';
const GRID = '#2a2d33';
const MARKER = '#a0a0b0';

const r1 = (n: number): string => String(Math.round(n * 10) / 10);

/** The value range to draw: from 0 when nothing is negative (as most of these counters and states), padded when flat. */
export function valueRange(lines: readonly ChartLine[]): { min: number; max: number } {
  const values = lines.flatMap((l) => l.points.map(([, v]) => v)).filter((v) => Number.isFinite(v));
  if (values.length === 0) return { min: 0, max: 1 };
  let min = Math.min(0, ...values);
  let max = Math.max(...values);
  if (max === min) { max = min === 0 ? 1 : max + Math.abs(max) * 0.1; min = Math.min(0, min); }
  if (max === min) max = min + 1;
  return { min, max };
}

/** The path of one series: runs of joined samples, each a move then lines. */
function pathOf(line: ChartLine, x: (t: number) => number, y: (v: number) => number, step: number): string {
  const parts: string[] = [];
  let last: number | undefined;
  for (const [t, v] of line.points) {
    if (!Number.isFinite(v)) { last = undefined; continue; }
    const joined = last !== undefined && t - last <= step * 1.5;
    parts.push(`${joined ? 'L' : 'M'}${r1(x(t))} ${r1(y(v))}`);
    // A lone sample is drawn as a dot: a zero-length segment with a round cap.
    if (!joined) parts.push(`L${r1(x(t))} ${r1(y(v))}`);
    last = t;
  }
  return parts.join('');
}

export function chartSvg(c: ChartInput): string {
  const plotW = c.width - PAD.left - PAD.right;
  const plotH = c.height - PAD.top - PAD.bottom;
  const span = Math.max(1, c.end - c.start);
  const { min, max: rawMax } = valueRange(c.lines);
  const ticks = valueTicks(min, rawMax, Math.max(2, Math.min(5, Math.floor(plotH / 28))));
  const max = Math.max(rawMax, ticks.at(-1) ?? rawMax);
  const lo = Math.min(min, ticks[0] ?? min);
  const x = (t: number): number => PAD.left + ((t - c.start) / span) * plotW;
  const y = (v: number): number => PAD.top + plotH - ((v - lo) / (max - lo || 1)) * plotH;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${c.width}" height="${c.height}" viewBox="0 0 ${c.width} ${c.height}" font-size="10" font-family="DejaVu Sans, sans-serif">`];
  for (const v of ticks) {
    out.push(`<line x1="${PAD.left}" x2="${r1(PAD.left + plotW)}" y1="${r1(y(v))}" y2="${r1(y(v))}" stroke="${GRID}"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${r1(y(v) + 3.5)}" fill="${AXIS_TEXT}" text-anchor="end">${escapeHtml(valueText(v, c.unit))}</text>`);
  }
  for (const t of timeTicks(c.start, c.end, Math.max(2, Math.floor(plotW / 70)))) {
    out.push(`<line x1="${r1(x(t))}" x2="${r1(x(t))}" y1="${PAD.top}" y2="${r1(PAD.top + plotH)}" stroke="${GRID}"/>`);
    out.push(`<text x="${r1(x(t))}" y="${r1(c.height - 5)}" fill="${AXIS_TEXT}" text-anchor="middle">${clockText(t)}</text>`);
  }
  for (const m of c.markers.filter((k) => k.at >= c.start && k.at <= c.end)) {
    out.push(`<line x1="${r1(x(m.at))}" x2="${r1(x(m.at))}" y1="${PAD.top}" y2="${r1(PAD.top + plotH)}" stroke="${MARKER}" stroke-dasharray="3 3" stroke-opacity="0.6"/>`);
    out.push(`<text x="${r1(x(m.at) + 2)}" y="${PAD.top + 8}" fill="${MARKER}" font-size="9">${escapeHtml(m.label)}</text>`);
  }
  for (const l of c.lines) {
    const d = pathOf(l, x, y, c.step);
    if (d !== '') out.push(`<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>`);
  }
  out.push('</svg>');
  return out.join('');
}
