// The property behind `tierlb validate`: every site file is either refused
// (exit 1, every error line with its line number and field path) or renders
// on every node into files each daemon's own checker accepts. fast-check
// generates the files (test/fuzz/): sites built from blueprints, and
// examples/site.yaml and lab/site.yaml mutated. A fixed seed keeps `npm
// test` reproducible; `npm run fuzz -- --count N --seed S` runs more.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzCaseArb } from '../fuzz/cases.js';
import { describeFailure } from '../fuzz/report.js';
import { openJudge } from '../fuzz/run.js';

const SEED = 13;
const RUNS = 200;

describe(`site files from fast-check (seed ${SEED}, ${RUNS} cases; replay one with npm run fuzz -- --seed ${SEED} --replay INDEX)`, () => {
  let j: Awaited<ReturnType<typeof openJudge>>;
  beforeAll(async () => {
    j = await openJudge();
  });
  afterAll(async () => {
    await j.close();
  });

  it('are refused by validate with a line and a path for every error, or accepted and then accepted by every daemon\'s checker', async () => {
    console.log(`fuzz: seed ${SEED}, ${RUNS} cases`);
    const counts = { refused: 0, accepted: 0 };
    await fc.assert(fc.asyncProperty(fuzzCaseArb, async (c) => {
      const v = await j.judge(c);
      // The error carries the site file as YAML: fast-check reports the last (shrunk) one.
      if (v.kind === 'failure') throw new Error(describeFailure(c, v, 'counterexample'));
      counts[v.kind] += 1;
    }), { seed: SEED, numRuns: RUNS });
    console.log(`fuzz: ${counts.refused} refused, ${counts.accepted} accepted and checked; checker runs ${j.checkers.stats.runs}, from cache ${j.checkers.stats.cached}`);
    // The generator must keep making valid sites, or the daemons' half of the property tests nothing.
    expect(counts.accepted).toBeGreaterThanOrEqual(RUNS / 10);
  }, 900_000);
});
