// The reactions bench's table: one row per signal and speaker, the whole
// reaction's p50 and p99 against its target, then where the time went, hop
// by hop. Pure.
import { SIGNALS } from './samples.js';
import type { SignalFigures } from './stats.js';

const ms = (v: number | null): string => (v === null ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function target(f: SignalFigures): string {
  if (f.targetMs === undefined) return '—';
  const met = f.totalP99 !== null && f.complete === f.reps && f.totalP99 <= f.targetMs;
  return `≤ ${ms(f.targetMs)} p99: ${met ? 'met' : '**missed**'}`;
}

const seen = (n: number, reps: number): string => (n < reps ? ` (seen ${n}/${reps})` : '');

function hopsText(f: SignalFigures): string {
  const chain = f.hops.map((h) => `${h.hop} +${ms(h.spentP50)} / +${ms(h.spentP99)}${seen(h.seen, f.reps)}`).join(' → ');
  const beside = f.beside.map((h) => `${h.hop} at ${ms(h.atP50)} / ${ms(h.atP99)}${seen(h.seen, f.reps)}`).join('; ');
  return beside === '' ? chain : `${chain} (beside: ${beside})`;
}

export interface ReactionsReport {
  readonly startedAt: string;
  /** One line on where it ran: machine, lab kernel, site. */
  readonly where: string;
  readonly figures: readonly SignalFigures[];
  /** Per boot, what it noticed (and an error, if it ended early). */
  readonly notes: readonly string[];
}

export function reactionsTable(r: ReactionsReport): string {
  const lines = [
    `# Reactions bench, ${r.startedAt}`,
    '',
    r.where,
    '',
    'Each reaction counts from the action: the kernel\'s stamp of the maintenance file (its mtime, or its folder\'s for a removal), or the kill. Per hop: the time spent since the hop before, p50 / p99 over the repetitions; "beside" are instants from the action that are not a step of the chain (the speaker\'s answer, the reflectors\' receipt as stamped on arrival in the bench).',
    '',
    '| signal | speaker | reps | end to end p50 / p99 | target | hops: time spent p50 / p99 | dominant hop |',
    '|---|---|---|---|---|---|---|',
    ...r.figures.map((f) => {
      const s = SIGNALS.find((x) => x.id === f.signal);
      return `| ${cell(s ? `${s.action} → ${s.effect}` : f.signal)} | ${f.speaker} | ${f.complete}/${f.reps} | ${ms(f.totalP50)} / ${ms(f.totalP99)} | ${target(f)} | ${cell(hopsText(f))} | ${cell(f.dominant ?? '—')} |`;
    }),
    '',
  ];
  if (r.notes.length > 0) lines.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return `${lines.join('\n')}\n`;
}
