// `npm run bench:ipvs-diff`: what the L4 agent's own code costs for one
// weight change on a 1000 × 50 IPVS table, on this host with no kernel: the
// check that the table changed and the diff against the verified table, done
// the old way (a generic deep equality, then diffIpvs over the whole table)
// and the way IpvsApplier does it (the changed services, then diffIpvs over
// those), the unchanged table's check alone (every turn pays it), and
// IpvsApplier.apply() end to end against a port that does nothing. Each
// sample is a fresh table built outside the timing, as the planner hands the
// applier a fresh one each turn; the first runs are thrown away (JIT).
import { isDeepStrictEqual } from 'node:util';
import { Registry } from 'prom-client';
import { createLogger } from '../agent/observe/log.js';
import { createMetrics } from '../agent/observe/metrics.js';
import { IpvsApplier } from '../agent/roles/l4/ipvs-applier.js';
import { findChangedServices } from '../tiers/l4/changed-services.js';
import { diffIpvs, type IpvsOp } from '../tiers/l4/diff.js';
import { kernelViewOf } from '../tiers/l4/kernel.js';
import type { IpvsState } from '../tiers/l4/model.js';
import type { IpvsPort } from '../tiers/l4/port.js';
import { benchTable, DESTS, SERVICES } from './ipvs-table.js';

const RUNS = 30;
const WARMUP = 3;

/** Nearest rank: with 30 samples the p99 is the largest. */
const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;
const timed = async (f: () => unknown): Promise<number> => { const t = performance.now(); await f(); return performance.now() - t; };

function oldWay(verified: IpvsState, desired: IpvsState): readonly IpvsOp[] {
  if (isDeepStrictEqual(verified, desired)) return [];
  return diffIpvs(desired, kernelViewOf(verified)).ops;
}

function newWay(verified: IpvsState, desired: IpvsState): readonly IpvsOp[] {
  const changed = findChangedServices(verified, desired);
  if (changed.equal) return [];
  return diffIpvs(changed.desired, kernelViewOf(changed.verified)).ops;
}

/** Accepts every change set and reads back the bench's first table, so no figure includes a kernel; keeps the last change set to check it. */
function noOpPort(): IpvsPort & { last: readonly IpvsOp[] } {
  return { last: [], read: async () => kernelViewOf(benchTable(SERVICES)), async apply(ops) { this.last = ops; return { ok: true }; } };
}

interface Row { readonly what: string; readonly old?: readonly number[]; readonly now: readonly number[] }

async function main(): Promise<void> {
  const change = { old: [] as number[], now: [] as number[] };
  const equal = { old: [] as number[], now: [] as number[] };
  const applied: number[] = [];
  const port = noOpPort();
  const applier = new IpvsApplier({ port, clock: { now: () => 0, sleep: async () => undefined }, log: createLogger('bench', 'silent'), metrics: createMetrics(new Registry()) });
  const first = await applier.apply(benchTable(SERVICES), { leaving: false, verify: true });
  if (first.kind !== 'verified') throw new Error(`the applier did not verify the first table: ${first.error}`);
  let verified = benchTable(SERVICES);
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const keep = i >= WARMUP;
    const desired = benchTable(SERVICES, 10 + i);
    const same = benchTable(SERVICES);
    const before = verified;
    let oldOps: readonly IpvsOp[] = [];
    let newOps: readonly IpvsOp[] = [];
    const changeOld = await timed(() => { oldOps = oldWay(before, desired); });
    const changeNew = await timed(() => { newOps = newWay(before, desired); });
    if (!isDeepStrictEqual(oldOps, newOps) || newOps.length !== 1) throw new Error(`the two ways differ: ${oldOps.length} against ${newOps.length} operation(s)`);
    const equalOld = await timed(() => oldWay(before, same));
    const equalNew = await timed(() => newWay(before, same));
    const next = benchTable(SERVICES, 10 + i);
    const t = await timed(async () => {
      const r = await applier.apply(next, { leaving: false, verify: false });
      if (r.kind !== 'verified' || !r.changed) throw new Error('the applier did not take the change');
    });
    if (port.last.length !== 1) throw new Error(`the applier sent ${port.last.length} operation(s), expected 1`);
    verified = desired;
    if (!keep) continue;
    change.old.push(changeOld);
    change.now.push(changeNew);
    equal.old.push(equalOld);
    equal.now.push(equalNew);
    applied.push(t);
  }
  console.log(`IPVS ${SERVICES} × ${DESTS}, one weight changed (the last service's last destination), ${RUNS} runs, host CPU, no kernel\n`);
  console.log(report([
    { what: 'one weight: changed? + diff', ...change },
    { what: 'an equal table: changed?', ...equal },
    { what: 'IpvsApplier.apply(), no-op port', now: applied },
  ]));
  console.log('\nold: isDeepStrictEqual + diffIpvs(whole desired, kernelViewOf(whole verified)); new: findChangedServices + diffIpvs over the changed services');
}

function report(rows: readonly Row[]): string {
  const ms = (x: number): string => (Number.isNaN(x) ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(1));
  const head = ['what', 'old p50 ms', 'old p99 ms', 'new p50 ms', 'new p99 ms', 'old / new (p50)'];
  const body = rows.map((r) => {
    const old = r.old ?? [];
    const [op50, op99, np50, np99] = [percentile(old, 50), percentile(old, 99), percentile(r.now, 50), percentile(r.now, 99)];
    return [r.what, ms(op50), ms(op99), ms(np50), ms(np99), Number.isNaN(op50) ? '—' : `${(op50 / np50).toFixed(1)}×`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

await main();
