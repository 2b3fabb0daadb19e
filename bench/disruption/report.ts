// The bench's table: one row per scenario, flows broken / in flight and the
// reaction times against the issue's targets; then the notes. Pure.
import type { BenchRun, Reaction, ScenarioResult } from './result.js';

const secs = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);

export function reactionText(r: Reaction): string {
  const target = r.targetMs === undefined ? '' : ` (target ≤ ${secs(r.targetMs)}${r.ms !== null && r.ms <= r.targetMs ? ', met' : ', MISSED'})`;
  return `${r.what}: ${r.ms === null ? 'not seen' : secs(r.ms)}${target}`;
}

function flowsText(s: ScenarioResult): string {
  if (!s.flows) return '—';
  const f = s.flows;
  const ends = Object.entries(f.byEnd).filter(([k, v]) => k !== 'complete' && (v ?? 0) > 0).map(([k, v]) => `${k} ${v}`).join(', ');
  const held = f.held ? `; ${f.held.by} held ${f.held.flows}, ${f.held.broken} of them broke` : '';
  const after = f.followUp && f.followUp.broken > 0 ? `; ${f.followUp.broken} of them after ${f.followUp.what}` : '';
  return `**${f.broken}** / ${f.inFlight}${ends ? ` (${ends})` : ''}${held}${after}`;
}

const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(run: BenchRun): string {
  const nodes = Object.entries(run.lab.nodes).map(([role, n]) => `${n} ${role}`).join(', ');
  const lines = [
    `# Disruption bench, ${run.startedAt}`,
    '',
    `Lab: site \`${run.lab.site}\` (${nodes}; ${run.lab.vips} VIPs, ${run.lab.userAddresses} user addresses). ` +
      `Machine: ${run.machine.cpus} × ${run.machine.cpuModel}, ${run.machine.memoryMb} MB, ${run.machine.kernel}; ${run.machine.where}. ` +
      `Load per scenario: ${run.load.flowsPerScenario} concurrent downloads of ${run.load.secondsPerFlow} s over ${run.load.targets} VIP:port targets, IPv4 and IPv6.`,
    '',
    '| # | scenario | kind | broken / in flight | reaction times | targets |',
    '|---|---|---|---|---|---|',
    ...run.scenarios.map((s) => `| ${s.id} | ${cell(s.name)} | ${s.kind} | ${cell(s.error ? `error: ${s.error}` : flowsText(s))} | ${cell(s.reactions.map(reactionText).join('; ') || '—')} | ${s.ok ? 'met' : '**missed**'} |`),
    '',
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
