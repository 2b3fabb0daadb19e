// `npm run fuzz -- --count N --seed S [--out DIR] [--no-shrink]`: judges N
// generated and mutated site files (test/fuzz/), prints progress and a
// summary, writes each failure (the YAML, shrunk when it can be, and what
// disagreed) to DIR. `--replay I` judges case I of the seed's run alone.
// Exit 0 when nothing failed, 1 when something did, 2 on a usage error.
import { parseArgs } from 'node:util';
import { describeFailure, failureClass, writeFailure, type FailureRecord } from '../test/fuzz/report.js';
import { caseAt, openJudge, runFuzz, shrinkFailure, type Tally } from '../test/fuzz/run.js';

const PROGRESS_EVERY_MS = 10_000;

function usage(message: string): never {
  process.stderr.write(`fuzz: ${message}\nusage: npm run fuzz -- --count N --seed S [--out DIR] [--no-shrink] | --seed S --replay I\n`);
  process.exit(2);
}

function intOption(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) usage(`--${name}: expected a whole number, got ${JSON.stringify(text)}`);
  return n;
}

function line(t: Tally, count: number): string {
  const rate = t.seconds > 0 ? (t.cases / t.seconds).toFixed(1) : '-';
  return `[${t.cases}/${count}] refused ${t.refused}, accepted and checked ${t.accepted}, failures ${t.failures}; `
    + `${rate} cases/s; checker runs ${t.checker.runs}, answered from cache ${t.checker.cached}; ${Math.round(t.seconds)} s`;
}

async function replay(seed: number, index: number): Promise<number> {
  const c = caseAt(seed, index);
  if (!c) usage(`no case ${index} for seed ${seed}`);
  const j = await openJudge();
  try {
    const v = await j.judge(c);
    if (v.kind !== 'failure') {
      console.log(`case ${index} of seed ${seed}: ${v.kind}\norigin: ${c.origin}`);
      return 0;
    }
    console.log(describeFailure(c, v, `case ${index} of seed ${seed}`));
    const shrunk = await shrinkFailure(j.judge, seed, index, v);
    if (shrunk) console.log(describeFailure(shrunk.case, shrunk.failure, 'shrunk'));
    return 1;
  } finally {
    await j.close();
  }
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { count: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, replay: { type: 'string' }, 'no-shrink': { type: 'boolean' } } }));
  } catch (err) {
    usage((err as Error).message);
  }
  const seed = intOption(values.seed, 'seed', Date.now() % 2 ** 31);
  if (values.replay !== undefined) return replay(seed, intOption(values.replay, 'replay', 0));
  const count = intOption(values.count, 'count', 1000);
  const out = values.out;
  console.log(`fuzz: ${count} case(s), seed ${seed}${out ? `, failures to ${out}` : ''} (replay one: npm run fuzz -- --seed ${seed} --replay INDEX)`);
  let lastPrint = 0;
  const summary = await runFuzz({
    count, seed, shrink: values['no-shrink'] !== true,
    onProgress: (t) => {
      if (t.seconds * 1000 - lastPrint < PROGRESS_EVERY_MS && t.cases !== count) return;
      lastPrint = t.seconds * 1000;
      console.log(line(t, count));
    },
    onFailure: async (r: FailureRecord) => {
      const shown = r.shrunk ?? r.found;
      console.log(describeFailure(shown.case, shown.failure, `case ${r.index}${r.shrunk ? ', shrunk' : ''}`));
      if (out) await writeFailure(out, seed, r);
    },
  });
  const classes = new Map<string, number>();
  for (const r of summary.records) classes.set(failureClass(r.found.failure), (classes.get(failureClass(r.found.failure)) ?? 0) + 1);
  console.log(`\nsummary (seed ${seed}): ${summary.cases} case(s): ${summary.refused} refused by validate, ${summary.accepted} accepted and checked by the daemons, ${summary.failures} failure(s); ${Math.round(summary.seconds)} s`);
  console.log(`checker runs ${summary.checker.runs}, answered from cache ${summary.checker.cached}`);
  for (const [what, n] of classes) console.log(`  ${n} × ${what}`);
  return summary.failures === 0 ? 0 : 1;
}

process.exitCode = await main();
