// The router-restart bench's table: per behaviour and scenario, p50 / p99 /
// max over the runs of how long the VIP's route was short of its next hops,
// gone, and when BIRD's recovery ended. Pure.
import type { Behaviour } from './lab.js';
import type { KillRun } from './kill-run.js';
import type { Scenario } from './options.js';
import { figures, type Figures } from './outage.js';

export interface ScenarioRuns {
  readonly behaviour: Behaviour;
  readonly scenario: Scenario;
  readonly runs: readonly KillRun[];
}

const ms = (x: number | null): string => (x === null ? '—' : `${Math.round(x)}`);
const triple = (f: Figures): string => `${ms(f.p50)} / ${ms(f.p99)} / ${ms(f.max)}`;

export function restartTable(all: readonly ScenarioRuns[]): string {
  const lines = [
    '| behaviour | scenario | runs | < 2 next hops, ms (p50 / p99 / max) | no route, ms (p50 / p99 / max) | recovery over after, ms (p50 / max) | route changes / deletions (sum) | worst sample interval, ms |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const s of all) {
    const short = figures(s.runs.map((r) => r.shortMs));
    const gone = figures(s.runs.map((r) => r.goneMs));
    const rec = s.runs.map((r) => r.recoveredAt);
    const recovered = figures(rec.filter((x): x is number => x !== null));
    const missed = rec.filter((x) => x === null).length;
    const changes = s.runs.reduce((n, r) => n + r.routeChanges, 0);
    const deletions = s.runs.reduce((n, r) => n + r.routeDeletions, 0);
    const worst = Math.max(0, ...s.runs.map((r) => r.worstIntervalMs));
    lines.push(`| ${s.behaviour} | ${s.scenario} | ${s.runs.length} | ${triple(short)} | ${triple(gone)} | ${ms(recovered.p50)} / ${ms(recovered.max)}${missed > 0 ? ` (${missed} not within the window)` : ''} | ${changes} / ${deletions} | ${ms(worst)} |`);
  }
  return lines.join('\n');
}
