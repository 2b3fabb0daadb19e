// The bench's table: one row per scenario, flows broken / in flight and the
// reaction times against the issue's targets; scenario `moved`'s shares of
// moved flows, predicted and measured, side by side; then the notes. Pure.
import type { BenchRun, MovedFlows, Reaction, ScenarioResult } from './result.js';

const secs = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);

export function reactionText(r: Reaction): string {
  const target = r.targetMs === undefined ? '' : ` (target ≤ ${secs(r.targetMs)}${r.ms !== null && r.ms <= r.targetMs ? ', met' : ', MISSED'})`;
  return `${r.what}: ${r.ms === null ? 'not seen' : secs(r.ms)}${target}`;
}

const pct = (x: number | null): string => (x === null ? '—' : `${x.toFixed(2)}%`);
const pp = (x: number | null): string => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)} pp`);

function flowsText(s: ScenarioResult): string {
  if (s.moved) return `no flows: ${pct(s.moved.measuredPercent)} of ${s.moved.tuples} tuples moved, ${pct(s.moved.predictedPercent)} predicted`;
  if (!s.flows) return '—';
  const f = s.flows;
  const ends = Object.entries(f.byEnd).filter(([k, v]) => k !== 'complete' && (v ?? 0) > 0).map(([k, v]) => `${k} ${v}`).join(', ');
  const held = f.held ? `; ${f.held.by} held ${f.held.flows}, ${f.held.broken} of them broke` : '';
  const after = f.followUp && f.followUp.broken > 0 ? `; ${f.followUp.broken} of them after ${f.followUp.what}` : '';
  return `**${f.broken}** / ${f.inFlight}${ends ? ` (${ends})` : ''}${held}${after}`;
}

const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function verdict(m: MovedFlows, error: string | undefined): string {
  if (m.within) return 'yes';
  const why = [error, m.tuples < m.minTuples ? `fewer than ${m.minTuples} tuples` : undefined].filter((x) => x !== undefined);
  return `**no**${why.length > 0 ? ` (${why.join('; ')})` : ''}`;
}

/** Scenario `moved`: a row per edit and table, `tierlb plan` beside the kernels. */
function movedTable(rows: readonly (ScenarioResult & { readonly moved: MovedFlows })[]): string[] {
  if (rows.length === 0) return [];
  const within = rows[0]?.moved.withinPp ?? 2;
  return [
    '## Moved flows: `tierlb plan` against the L4 nodes\' kernels',
    '',
    `Predicted: \`tierlb plan\`'s share of the Maglev table's slots that change L7 node. Measured: of the tuples (user address, source port) whose L7 node was read from every L4 node's \`ipvsadm -Lnc\` before and after the edit, those another L7 node got. Model on the tuples: the same Maglev model applied to those very tuples (the sampling alone).`,
    '',
    `| # | edit | table | predicted | measured | difference | N | within ${within} pp | model on the tuples |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(({ id, moved: m, error }) => `| ${id} | ${cell(m.edit)} | ${cell(m.table)} | ${pct(m.predictedPercent)} | ${pct(m.measuredPercent)} | ${pp(m.differencePp)} | ${m.tuples} | ${cell(verdict(m, error))} | ${pct(m.modelOnTuplesPercent)} |`),
    '',
  ];
}

export function markdownTable(run: BenchRun, title = 'Disruption bench'): string {
  const nodes = Object.entries(run.lab.nodes).map(([role, n]) => `${n} ${role}`).join(', ');
  const lines = [
    `# ${title}, ${run.startedAt}`,
    '',
    `Lab: site \`${run.lab.site}\` (${nodes}; ${run.lab.vips} VIPs, ${run.lab.userAddresses} user addresses). ` +
      `Machine: ${run.machine.cpus} × ${run.machine.cpuModel}, ${run.machine.memoryMb} MB, ${run.machine.kernel}; ${run.machine.where}. ` +
      `Load per scenario: ${run.load.flowsPerScenario} concurrent downloads of ${run.load.secondsPerFlow} s over ${run.load.targets} VIP:port targets, IPv4 and IPv6.`,
    '',
    '| # | scenario | kind | broken / in flight | reaction times | targets |',
    '|---|---|---|---|---|---|',
    ...run.scenarios.map((s) => `| ${s.id} | ${cell(s.name)} | ${s.kind} | ${cell(s.error ? `error: ${s.error}` : flowsText(s))} | ${cell(s.reactions.map(reactionText).join('; ') || '—')} | ${s.ok ? 'met' : '**missed**'} |`),
    '',
    ...movedTable(run.scenarios.filter((s): s is ScenarioResult & { readonly moved: MovedFlows } => s.moved !== undefined)),
  ];
  const notes = run.scenarios.filter((s) => s.notes.length > 0 || s.actions.length > 0);
  if (notes.length > 0) {
    lines.push('## Notes', '');
    for (const s of notes) {
      lines.push(`**${s.id}. ${s.name}** — actions: ${s.actions.map((a) => `\`${a}\``).join(', ') || 'none'}.`);
      for (const n of s.notes) lines.push(`- ${n}`);
      for (const r of s.reactions) lines.push(`- ${r.what}: ${r.how}`);
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}
