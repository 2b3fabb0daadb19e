// `tierlb plan OLD.yaml NEW.yaml [--max-moved PERCENT]`: before an edit of the
// site file reaches the L4 nodes, what it does to each Maglev table: the L7
// nodes that join, leave or change weight, and the share of slots whose L7
// node changes (each is a share of the flows that a later ECMP change would
// send to another L7 node, which resets them).
import { siteEditImpact } from '../tiers/l4/edit-impact/index.js';
import { CliError } from './errors.js';
import { formatEdit, movedPercent, tableName } from './plan-text.js';
import { readSite } from './read-site.js';

export interface PlanOptions {
  readonly maxMoved?: string;
}

export async function planCommand(oldFile: string, newFile: string, opts: PlanOptions, out: (text: string) => void): Promise<void> {
  const limit = opts.maxMoved === undefined ? undefined : parsePercent(opts.maxMoved);
  const before = await readSite(oldFile);
  const after = await readSite(newFile);
  const edits = siteEditImpact(before, after);
  out(`${edits.flatMap(formatEdit).join('\n')}\n`);
  if (limit === undefined) return;
  const over = edits.filter((e) => movedPercent(e) > limit);
  if (over.length > 0) {
    const list = over.map((e) => `${tableName(e)} ${movedPercent(e).toFixed(1)}%`).join(', ');
    throw new CliError(`${over.length} table(s) move more than --max-moved ${limit}% of their slots: ${list}`, 3);
  }
}

function parsePercent(text: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text);
  const value = m ? Number(m[1]) : NaN;
  if (!(value >= 0 && value <= 100)) throw new CliError(`--max-moved: expected a percentage from 0 to 100, got ${JSON.stringify(text)}`, 2);
  return value;
}
