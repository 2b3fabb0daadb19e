// The data-path bench's figures from what the guest read: the checks through
// the tunnel per second per L4 node (from the agents' counters) beside the
// monitor-URI checks they add to, and packets per second through the lab
// with the data-path programs attached and detached (from the devices'
// counters over equal windows of the same load, alternated). Pure.

/** The sum of every series of a counter or gauge in Prometheus text. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

export interface ChecksFigure {
  readonly l4: string;
  /** Connections of the checks through the tunnel per second, measured. */
  readonly tunnelPerS: number;
  /** Checks of the monitor URI per second, from the site (L7 nodes / interval). */
  readonly monitorPerS: number;
  /** The agent's CPU over the window, as a share of one CPU. */
  readonly agentCpu: number;
  /** The same agent's CPU over a window with the checks through the tunnel off in the site. */
  readonly agentCpuWithout?: number;
}

export type Mode = 'with' | 'without';

/** One window of load: packets that left the L4 nodes (tunnelled) and the L7 nodes, and bytes the users moved. */
export interface Window {
  readonly mode: Mode;
  readonly seconds: number;
  readonly l4Packets: number;
  readonly l7Packets: number;
  readonly bytes: number;
}

export interface PpsFigure {
  readonly mode: Mode;
  readonly windows: number;
  /** Medians over the windows of the mode. */
  readonly l4Pps: number;
  readonly l7Pps: number;
  readonly mbPerS: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function ppsFigures(windows: readonly Window[]): PpsFigure[] {
  return (['with', 'without'] as const).map((mode) => {
    const of = windows.filter((w) => w.mode === mode && w.seconds > 0);
    return {
      mode, windows: of.length,
      l4Pps: median(of.map((w) => w.l4Packets / w.seconds)),
      l7Pps: median(of.map((w) => w.l7Packets / w.seconds)),
      mbPerS: median(of.map((w) => w.bytes / w.seconds / 1e6)),
    };
  });
}

/**
 * Attached / detached throughput of each repetition's two windows, which
 * ran back to back: a drift of the host's speed between repetitions (the
 * lab kernel shares the host) falls on both sides of one ratio.
 */
export function pairRatios(windows: readonly Window[]): number[] {
  const rate = (w: Window): number => w.bytes / w.seconds;
  const ratios: number[] = [];
  for (let i = 0; i + 1 < windows.length; i += 2) {
    const a = windows[i];
    const b = windows[i + 1];
    if (!a || !b || a.mode === b.mode || a.seconds <= 0 || b.seconds <= 0) continue;
    const [w, wo] = a.mode === 'with' ? [a, b] : [b, a];
    if (rate(wo) > 0) ratios.push(rate(w) / rate(wo));
  }
  return ratios;
}

export interface DataPathReport {
  readonly startedAt: string;
  readonly where: string;
  readonly checks: readonly ChecksFigure[];
  readonly checksWindowS: number;
  readonly windows: readonly Window[];
  readonly notes: readonly string[];
}

const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');

export function dataPathTable(r: DataPathReport): string {
  const pps = ppsFigures(r.windows);
  const w = pps.find((p) => p.mode === 'with');
  const wo = pps.find((p) => p.mode === 'without');
  const ratio = (a: number | undefined, b: number | undefined): string => (a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(3) : '–');
  return [
    `# Data-path programs: what they cost (${r.startedAt})`,
    '',
    r.where,
    '',
    `## Checks per L4 node (measured over ${r.checksWindowS} s)`,
    '',
    '| L4 node | checks through the tunnel /s | monitor-URI checks /s | agent CPU | agent CPU with them off |',
    '|---|---|---|---|---|',
    ...r.checks.map((c) => `| ${c.l4} | ${f1(c.tunnelPerS)} | ${f1(c.monitorPerS)} | ${(c.agentCpu * 100).toFixed(1)} % | ${c.agentCpuWithout === undefined ? '–' : `${(c.agentCpuWithout * 100).toFixed(1)} %`} |`),
    '',
    '## Packets per second through the lab, programs attached and detached',
    '',
    'The same load (users\' uploads and downloads through a VIP) in alternating windows; the agents frozen meanwhile so that nothing re-attaches. Medians over the windows. Packets as the devices count them: an aggregate of segments (GSO) counts once, and the programs run once per aggregate.',
    '',
    '| programs | windows | L4 nodes out (tunnelled) pkt/s | L7 nodes out pkt/s | users\' MB/s |',
    '|---|---|---|---|---|',
    ...pps.map((p) => `| ${p.mode === 'with' ? 'attached (flow entropy on L4, MSS clamp on L7)' : 'detached'} | ${p.windows} | ${f1(p.l4Pps)} | ${f1(p.l7Pps)} | ${p.mbPerS.toFixed(2)} |`),
    `| ratio attached / detached | | ${ratio(w?.l4Pps, wo?.l4Pps)} | ${ratio(w?.l7Pps, wo?.l7Pps)} | ${ratio(w?.mbPerS, wo?.mbPerS)} |`,
    '',
    `Throughput ratio attached / detached of each repetition (its two windows back to back): ${pairRatios(r.windows).map((x) => x.toFixed(2)).join(', ') || '–'}; median ${f2(median(pairRatios(r.windows)))}.`,
    '',
    ...(r.notes.length > 0 ? ['Notes:', '', ...r.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}
