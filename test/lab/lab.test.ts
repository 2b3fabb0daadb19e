// End to end: `npm run lab` once (one boot of the lab kernel, every agent,
// the demo, a live edit of the running site), then one test per behaviour
// the issue names, read from the lab's results. Each check was observed in
// the lab: routers' kernel routes, `ipvsadm -Ln` on the L4 nodes, HAProxy's
// runtime API, and requests from the users' addresses.
import { execa } from 'execa';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checksMatching, LAB_BEHAVIOURS, labResults, type LabResults } from '../helpers/lab-results.js';
import { REPO } from '../helpers/site.js';

let results: LabResults | undefined;
let output = '';

beforeAll(async () => {
  const r = await execa(process.execPath, ['--import', 'tsx', join(REPO, 'lab', 'main.ts')], { cwd: REPO, reject: false, all: true, timeout: 15 * 60 * 1000 });
  output = r.all ?? '';
  results = labResults(output);
}, 15 * 60 * 1000);

function passed(pattern: RegExp): void {
  if (!results) throw new Error('the lab did not run');
  for (const c of checksMatching(results, pattern)) expect(c.ok, `${c.name}: ${c.detail}\n--- lab output ---\n${output.slice(-3000)}`).toBe(true);
}

describe('the lab, end to end', () => {
  for (const b of LAB_BEHAVIOURS) it(b.sentence, () => passed(b.checks));
  it('names the VIP each live-edit check added', () => {
    if (!results) throw new Error('the lab did not run');
    expect(checksMatching(results, /^live edit: /).map((c) => c.name).every((n) => /VIP \d+\.\d+\.\d+\.\d+/.test(n))).toBe(true);
  });
  it('exits 0 exactly when every check passed', () => {
    expect(/lab finished with status (\d+)/.exec(output)?.[1]).toBe(results?.checks.every((c) => c.ok) ? '0' : '1');
  });
});
