// A fuzzing run: `count` cases from one seed, each judged by the oracle;
// every failure recorded, then shrunk by fast-check to the smallest case
// that fails the same way. The vitest property test and `npm run fuzz`
// both come through here, so the same seed gives the same cases.
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzCaseArb, type FuzzCase } from './cases.js';
import { CheckerPool, type CheckerStats } from './checkers.js';
import { judge, type Verdict } from './oracle.js';
import { failureClass, type Failure, type FailureRecord } from './report.js';

/** Two cores: two checkers at a time keep both busy without starving the judge. */
const CONCURRENCY = 2;
const CHECK_TIMEOUT_MS = 30_000;
const SHRINK_TIME_MS = 120_000;

export interface Tally {
  readonly cases: number;
  readonly refused: number;
  readonly accepted: number;
  readonly failures: number;
  readonly checker: CheckerStats;
  readonly seconds: number;
}

export interface FuzzSummary extends Tally {
  readonly records: readonly FailureRecord[];
}

export interface FuzzOptions {
  readonly count: number;
  readonly seed: number;
  readonly shrink?: boolean;
  readonly onProgress?: (t: Tally) => void;
  readonly onFailure?: (r: FailureRecord) => Promise<void> | void;
}

/** A judge with its own scratch folder and checker cache; `close` removes the folder. */
export async function openJudge(): Promise<{ judge: (c: FuzzCase) => Promise<Verdict>; checkers: CheckerPool; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tierlb-fuzz-'));
  const checkers = new CheckerPool({ dir, concurrency: CONCURRENCY, timeoutMs: CHECK_TIMEOUT_MS });
  return { judge: (c) => judge(c.content, { dir, checkers }), checkers, close: () => rm(dir, { recursive: true, force: true }) };
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const j = await openJudge();
  const started = performance.now();
  const counts = { cases: 0, refused: 0, accepted: 0 };
  const found: { index: number; case: FuzzCase; failure: Failure }[] = [];
  const tally = (): Tally => ({ ...counts, failures: found.length, checker: j.checkers.stats, seconds: (performance.now() - started) / 1000 });
  try {
    // Every case passes here, so fast-check runs all `count` of them; failures are kept, not thrown.
    await fc.check(fc.asyncProperty(fuzzCaseArb, async (c) => {
      const v = await j.judge(c);
      if (v.kind === 'failure') found.push({ index: counts.cases, case: c, failure: v });
      else counts[v.kind] += 1;
      counts.cases += 1;
      opts.onProgress?.(tally());
      return true;
    }), { seed: opts.seed, numRuns: opts.count });
    const records: FailureRecord[] = [];
    for (const f of found) {
      const shrunk = opts.shrink === false ? undefined : await shrinkFailure(j.judge, opts.seed, f.index, f.failure);
      const record: FailureRecord = { index: f.index, found: { case: f.case, failure: f.failure }, ...(shrunk ? { shrunk } : {}) };
      records.push(record);
      await opts.onFailure?.(record);
    }
    return { ...tally(), records };
  } finally {
    await j.close();
  }
}

/** The case at `index` of the seed's run, shrunk to the smallest one that still fails the same way. */
export async function shrinkFailure(
  judgeCase: (c: FuzzCase) => Promise<Verdict>, seed: number, index: number, like: Failure,
): Promise<{ case: FuzzCase; failure: Failure } | undefined> {
  let last: { case: FuzzCase; failure: Failure } | undefined;
  const r = await fc.check(fc.asyncProperty(fuzzCaseArb, async (c) => {
    const v = await judgeCase(c);
    if (v.kind !== 'failure' || failureClass(v) !== failureClass(like)) return true;
    last = { case: c, failure: v };
    return false;
  }), { seed, path: String(index), numRuns: 1, interruptAfterTimeLimit: SHRINK_TIME_MS, markInterruptAsFailure: false });
  return r.failed ? last : undefined;
}

/** The case at `index` of the seed's run, as generated. */
export function caseAt(seed: number, index: number): FuzzCase | undefined {
  return fc.sample(fuzzCaseArb, { seed, numRuns: index + 1 })[index];
}
