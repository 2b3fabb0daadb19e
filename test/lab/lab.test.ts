// End to end, on one boot of the lab kernel: the lab's own checks and demo
// (every agent, requests, DNS, the maintenance contract, a live edit of the
// running site), as `npm run lab` runs them, then on the same lab the short
// disruption bench (bench/disruption --short --lab-checks): scenarios 1 (an
// L4 node disabled, then enabled, after the L4 nodes added the L7 nodes in
// different orders, so the Maglev tables must still agree) and 3 (an L7 node
// drained through its agent-check, left to empty, then stopped) while ~100
// slow downloads from the users' addresses to every VIP are open; planned
// operations must break none of them. `npm run lab` itself, launcher and all,
// is run by .ci/run first and, in host mode, by host-mode.test.ts.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchRun, ScenarioResult } from '../../bench/disruption/result.js';
import { checksMatching, LAB_BEHAVIOURS, labResultsIn, type LabResults } from '../helpers/lab-results.js';
import { REPO } from '../helpers/site.js';

/** A guard against a hung lab: the lab's steps and the short bench take 15 minutes unloaded, 40 on a starved host. */
const BOUND_MS = 50 * 60 * 1000;

let run: (BenchRun & { logDirs: string[] }) | undefined;
let results: LabResults | undefined;
let output = '';
let exitCode: number | undefined;

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'tierlb-lab-'));
  const r = await execa(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'disruption', 'main.ts'), '--short', '--lab-checks', '--out', out], { cwd: REPO, reject: false, all: true, timeout: BOUND_MS });
  output = r.all ?? '';
  exitCode = r.exitCode;
  const file = readdirSync(out).find((f) => f.endsWith('.json'));
  if (!file) throw new Error(`the bench wrote no results:\n${output.slice(-4000)}`);
  run = JSON.parse(readFileSync(join(out, file), 'utf8')) as BenchRun & { logDirs: string[] };
  const logDir = run.logDirs[0];
  if (!logDir) throw new Error(`the bench named no log folder:\n${output.slice(-4000)}`);
  results = labResultsIn(logDir);
}, BOUND_MS + 60_000);

function passed(pattern: RegExp): void {
  if (!results) throw new Error(`the lab did not run:\n${output.slice(-3000)}`);
  for (const c of checksMatching(results, pattern)) expect(c.ok, `${c.name}: ${c.detail}\n--- lab output ---\n${output.slice(-3000)}`).toBe(true);
}

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

describe('the lab, end to end', () => {
  for (const b of LAB_BEHAVIOURS) it(b.sentence, () => passed(b.checks));
  it('names the VIP each live-edit check added', () => {
    if (!results) throw new Error('the lab did not run');
    expect(checksMatching(results, /^live edit: /).map((c) => c.name).every((n) => /VIP \d+\.\d+\.\d+\.\d+/.test(n))).toBe(true);
  });
});

describe('disruption under load, short, on the same lab', () => {
  it('breaks no flow when an L4 node is disabled with /etc/lb/disable and enabled again, the L4 nodes having added the L7 nodes in different orders', () => noFlowBroken('1'));
  it('ends with the same destination (Maglev) order on every L4 node after they added the L7 nodes in different orders', () => {
    // Two orders give tables that differ in a handful of slots: the flows alone would rarely show it.
    const s = scenario('1');
    expect(s.notes, `scenario 1: ${s.notes.join('\n')}`).toContain('every L4 node held the same destination order for every service before the flows');
  });
  it('breaks no flow when an L7 node is drained through its agent-check, left to empty and stopped', () => noFlowBroken('3'));
  it('exits 0 exactly when every lab check passed and every scenario met its targets', () => {
    const allOk = (results?.checks.every((c) => c.ok) ?? false) && (run?.scenarios.every((s) => s.ok) ?? false);
    expect(exitCode, output.slice(-3000)).toBe(allOk ? 0 : 1);
  });
});
