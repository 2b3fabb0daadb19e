// The pool commands' and history's words, pure: one line per change, the
// refusal with every broken limit, the audit trail as aligned lines.
import type { HistoryEvent, PoolRecord, Pooled } from '../fleet/record.js';

const DONE: Record<Pooled, string> = { yes: 'pooled', drain: 'drained', no: 'depooled' };

/** `l4-1: yes -> no (depooled by alice@h: kernel upgrade), until 2026-12-03T07:00:00.000Z` */
export function changeLine(e: HistoryEvent): string {
  return `${e.name}: ${e.from} -> ${e.pooled} (${DONE[e.pooled]} by ${e.who}${e.reason === '' ? '' : `: ${e.reason}`})${details(e)}`;
}

function details(r: PoolRecord): string {
  const weight = r.weight !== undefined ? `, at ${r.weight}% of its weight` : '';
  const until = r.expires !== undefined ? `, until ${r.expires}` : '';
  const forced = r.forced !== undefined ? `, forced past ${r.forced}` : '';
  return `${weight}${until}${forced}`;
}

export function refusalText(command: string, name: string, why: readonly string[]): string {
  return [
    `${command} ${name} refused by ${why.length} safety limit(s); nothing was changed`,
    ...why.map((w) => `  ${w}`),
    '--force to do it anyway (recorded as forced)',
  ].join('\n');
}

/** Oldest first, one line each: time, name, from -> to, who, why, and what else the record said. */
export function historyLines(events: readonly HistoryEvent[]): string[] {
  const width = Math.max(0, ...events.map((e) => e.name.length));
  return events.map((e) => {
    const why = e.reason === '' ? '' : `: ${e.reason}`;
    return `${e.when}  ${e.name.padEnd(width)}  ${e.from} -> ${e.pooled.padEnd(5)}  ${e.who}${why}${details(e)}`;
  });
}
