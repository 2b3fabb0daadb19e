// Prints what an edit of the site does to the L4 nodes' Maglev tables, one
// block per service, family and port. Pure: edits in, lines out.
import { MH_TABLE_SIZE } from '../tiers/l4/maglev/index.js';
import type { EditPhase, ServiceEditImpact, TableEdit } from '../tiers/l4/edit-impact/index.js';

/** The share of the table (0..100) the edit moves at its worst moment. */
export function movedPercent(e: TableEdit): number {
  if (e.edit.kind !== 'changed') return 0;
  return (worst(e.edit.impact) / MH_TABLE_SIZE) * 100;
}

export function tableName(e: TableEdit): string {
  return `${e.service} ${e.family === 'ipv4' ? 'IPv4' : 'IPv6'} port ${e.port}`;
}

export function formatEdit(e: TableEdit): string[] {
  const head = `${tableName(e)} (${e.vips.join(', ')}):`;
  if (e.edit.kind === 'added') return [head, '  new table: no flow moves'];
  if (e.edit.kind === 'removed') return [head, '  removed: its flows end with it'];
  return [head, ...impactLines(e.edit.impact, e.departureBoundMs)];
}

function impactLines(i: ServiceEditImpact, boundMs: number): string[] {
  const lines: string[] = [];
  if (i.joins.length > 0) lines.push(`  joins: ${i.joins.map((d) => `${d.node} (${d.address})`).join(', ')}`);
  if (i.leaves.length > 0) lines.push(`  leaves: ${i.leaves.map((d) => `${d.node} (${d.address})`).join(', ')}, first at weight 0 for up to ${boundMs / 1000} s`);
  for (const r of i.reweighted) lines.push(`  weight: ${r.node} ${r.from} -> ${r.to}`);
  const changed = lines.length > 0 || i.afterLeaving.order.join() !== i.atEdit.order.join();
  if (!changed && i.afterLeaving.moved === 0) return ['  unchanged: no slot moves'];
  lines.push(`  L4 kernel list (oldest first): ${i.afterLeaving.order.join(', ')}`);
  if (i.leaves.length > 0) {
    lines.push(`  moved at the edit (leaving nodes at weight 0): ${share(i.atEdit)}`);
    lines.push(`  moved once they have left: ${share(i.afterLeaving)}`);
  } else {
    lines.push(`  moved: ${share(i.afterLeaving)}`);
  }
  if (i.appended && worst(i.appended) < worst(i)) {
    lines.push(`  warning: the edit inserts or reorders L7 nodes; appending the new ones after the others (kernel list ${i.appended.afterLeaving.order.join(', ')}) would move ${percent(worst(i.appended))} (${worst(i.appended)} slots) instead of ${percent(worst(i))} (${worst(i)} slots)`);
  }
  return lines;
}

function worst(i: { readonly atEdit: EditPhase; readonly afterLeaving: EditPhase }): number {
  return Math.max(i.atEdit.moved, i.afterLeaving.moved);
}

const percent = (slots: number): string => `${((slots / MH_TABLE_SIZE) * 100).toFixed(1)}%`;
const share = (p: EditPhase): string => `${percent(p.moved)} of the slots (${p.moved} of ${MH_TABLE_SIZE})`;
