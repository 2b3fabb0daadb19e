// End to end, under load: the short disruption bench (bench/disruption, one
// more boot of the lab kernel) runs scenarios 1 (an L4 node disabled, then
// enabled, after the L4 nodes added the L7 nodes in different orders, so the
// Maglev tables must still agree) and 3 (an L7 node drained through its
// agent-check, left to empty, then stopped) while ~100 slow downloads from
// the users' addresses to every VIP are open; planned operations must break
// none of them. A live site edit is checked by the lab suite's own boot
// (lab.test.ts), not here: the bench's edits run for many minutes.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchRun, ScenarioResult } from '../../bench/disruption/result.js';
import { REPO } from '../helpers/site.js';

let run: BenchRun | undefined;
let output = '';

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'tierlb-disruption-'));
  const r = await execa(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'disruption', 'main.ts'), '--short', '--out', out], { cwd: REPO, reject: false, all: true, timeout: 20 * 60 * 1000 });
  output = r.all ?? '';
  const file = readdirSync(out).find((f) => f.endsWith('.json'));
  if (!file) throw new Error(`the bench wrote no results:\n${output.slice(-4000)}`);
  run = JSON.parse(readFileSync(join(out, file), 'utf8')) as BenchRun;
}, 20 * 60 * 1000);

function scenario(id: string): ScenarioResult {
  const s = run?.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id} in the results:\n${output.slice(-3000)}`);
  return s;
}

const noFlowBroken = (id: string): void => {
  const s = scenario(id);
  expect(s.error, `scenario ${id}: ${s.error ?? ''}\n${output.slice(-3000)}`).toBeUndefined();
  expect(s.flows?.inFlight ?? 0, `scenario ${id}: no flow was open across the action`).toBeGreaterThan(0);
  expect(s.flows?.broken, `scenario ${id}: ${JSON.stringify(s.flows)}\n${output.slice(-3000)}`).toBe(0);
};

describe('disruption under load, short', () => {
  it('breaks no flow when an L4 node is disabled with /etc/lb/disable and enabled again, the L4 nodes having added the L7 nodes in different orders', () => noFlowBroken('1'));
  it('ends with the same destination (Maglev) order on every L4 node after they added the L7 nodes in different orders', () => {
    // Two orders give tables that differ in a handful of slots: the flows alone would rarely show it.
    const s = scenario('1');
    expect(s.notes, `scenario 1: ${s.notes.join('\n')}`).toContain('every L4 node held the same destination order for every service before the flows');
  });
  it('breaks no flow when an L7 node is drained through its agent-check, left to empty and stopped', () => noFlowBroken('3'));
});
