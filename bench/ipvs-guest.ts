// The IPVS benchmark's guest half, run by bench/ipvs.ts inside the
// user-mode-linux kernel: full applies of N services × 50 destinations and a
// single-destination weight change on the largest table, through the netlink
// addon and through ipvsadm, in the same kernel, one after the other.
// argv: SHARE PROGRESS_FILE. Writes results.json to SHARE.
import { execFileSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyIpvs } from '../tiers/l4/apply.js';
import { diffIpvs, type IpvsOp } from '../tiers/l4/diff.js';
import { IpvsNetlink } from '../tiers/l4/ipvs-netlink.js';
import { netlinkIpvsPort } from '../tiers/l4/ipvs-netlink-port.js';
import type { IpvsDestination, IpvsService, IpvsState } from '../tiers/l4/model.js';
import { ipvsOpsText } from '../tiers/l4/ops-text.js';

export interface BenchRow {
  readonly what: string;
  readonly services: number;
  readonly destinations: number;
  readonly addonMs: number;
  readonly ipvsadmMs: number;
  readonly note: string;
}

const [share = '.', progressFile = '/dev/null'] = process.argv.slice(2);
const DESTS = 50;
const SIZES = [10, 100, 1000];
const SINGLE_RUNS = 21;

const progress = (line: string): void => appendFileSync(progressFile, `${line}\n`);
const ipvsadm = (args: string[], input?: string): void => {
  execFileSync('ipvsadm', args, input === undefined ? { stdio: 'ignore' } : { input, stdio: ['pipe', 'ignore', 'inherit'] });
};
const timed = (f: () => void): number => { const t = performance.now(); f(); return performance.now() - t; };
const timedAsync = async (f: () => Promise<unknown>): Promise<number> => { const t = performance.now(); await f(); return performance.now() - t; };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** N services (VIPs 198.18.x.y:80, mh with mh-port) × 50 tunnel destinations 10.1.0.1.. in the same order everywhere. */
function table(n: number): IpvsState {
  const services: IpvsService[] = [];
  for (let i = 0; i < n; i++) {
    const destinations: IpvsDestination[] = [];
    for (let j = 0; j < DESTS; j++) {
      destinations.push({ node: `l7-${j}`, address: `10.1.${j >> 8}.${(j & 255) + 1}`, port: 80, forwarding: 'tunnel', weight: 100 } as unknown as IpvsDestination);
    }
    services.push({ service: 'bench', protocol: 'tcp', vip: `198.18.${i >> 8}.${i & 255}`, family: 'ipv4', port: 80, scheduler: 'mh', flags: ['mh-port'], destinations } as unknown as IpvsService);
  }
  return { services };
}

/** The same ops as ipvsadm -R text with each new service created without a scheduler first (the addon's trick), to tell the two gains apart. */
function oneBuildText(ops: readonly IpvsOp[]): string {
  const finish: string[] = [];
  const lines = ipvsOpsText(ops).split('\n').filter((l) => l !== '').map((l) => {
    const m = /^-A (-t \S+) -s (\S+)(.*)$/.exec(l);
    if (!m) return l;
    finish.push(`-E ${m[1]} -s ${m[2]}${m[3]}`);
    return `-A ${m[1]} -s none`;
  });
  return [...lines, ...finish].join('\n') + '\n';
}

const handle = IpvsNetlink.open();
const port = netlinkIpvsPort(handle);
const rows: BenchRow[] = [];
/** Shown as progress too, so a run cut short still gave its figures. */
function record(row: BenchRow): void {
  rows.push(row);
  progress(`  ${row.what}, ${row.services} × ${row.destinations}: addon ${row.addonMs.toFixed(2)} ms, ipvsadm ${Number.isNaN(row.ipvsadmMs) ? '-' : `${row.ipvsadmMs.toFixed(2)} ms`} (${row.note})`);
}

for (const n of SIZES) {
  const state = table(n);
  const ops = diffIpvs(state, []).ops;
  const text = ipvsOpsText(ops);
  progress(`${n} × ${DESTS}: ipvsadm -R (${ops.length} operations)…`);
  ipvsadm(['-C']);
  const ipvsadmMs = timed(() => ipvsadm(['-R'], text));
  ipvsadm(['-C']);
  progress(`${n} × ${DESTS}: ipvsadm -R, each new service without a scheduler until its destinations are in…`);
  const ipvsadmOneBuildMs = timed(() => ipvsadm(['-R'], oneBuildText(ops)));
  ipvsadm(['-C']);
  progress(`${n} × ${DESTS}: addon…`);
  const addonMs = await timedAsync(async () => {
    const result = await port.apply(ops);
    if (!result.ok) throw new Error(`addon full apply failed: ${result.error}`);
  });
  const readMs = await timedAsync(() => port.read());
  const check = diffIpvs(state, await port.read());
  if (check.ops.length > 0 || check.orderDrift.length > 0) throw new Error(`addon full apply left ${check.ops.length} differences`);
  record({ what: 'full apply', services: n, destinations: DESTS, addonMs, ipvsadmMs, note: 'one addon call vs ipvsadm -R' });
  record({ what: 'full apply, one build each', services: n, destinations: DESTS, addonMs, ipvsadmMs: ipvsadmOneBuildMs, note: 'ipvsadm -R also creating each service without a scheduler first' });
  record({ what: 'read the table', services: n, destinations: DESTS, addonMs: readMs, ipvsadmMs: timed(() => ipvsadm(['-L', '-n', '--nosort'])), note: 'addon list vs ipvsadm -Ln --nosort (to /dev/null)' });
  ipvsadm(['-C']);
  progress(`${n} × ${DESTS}: addon through applyIpvs (read, diff, apply, verify)…`);
  const appliedMs = await timedAsync(async () => {
    const r = await applyIpvs(port, state);
    if (r.kind !== 'verified') throw new Error(`applyIpvs: ${r.error}`);
  });
  record({ what: 'applyIpvs end to end', services: n, destinations: DESTS, addonMs: appliedMs, ipvsadmMs: NaN, note: 'read + diff + apply + read to verify, addon only' });
}

// The largest table is in place; change one destination's weight back and forth.
const largest = table(SIZES[SIZES.length - 1] ?? 1000);
const svc = largest.services[largest.services.length - 1];
const dest = svc?.destinations[DESTS - 1];
if (!svc || !dest) throw new Error('no table');
const target = `${svc.vip}:${svc.port}`;
progress(`single weight change on ${target} (${largest.services.length} × ${DESTS} in the kernel), ${SINGLE_RUNS} runs each…`);
const addonRuns: number[] = [];
const ipvsadmRuns: number[] = [];
for (let i = 0; i < SINGLE_RUNS; i++) {
  // Every call changes the weight, so every call rebuilds the Maglev table.
  const op: IpvsOp = { op: 'edit-destination', target, destination: { ...dest, weight: 10 + 2 * i } };
  addonRuns.push(await timedAsync(async () => {
    const r = await port.apply([op]);
    if (!r.ok) throw new Error(r.error);
  }));
  ipvsadmRuns.push(timed(() => ipvsadm(['-e', '-t', target, '-r', `${dest.address}:${dest.port}`, '-i', '-w', String(11 + 2 * i)])));
}
record({
  what: 'single weight change', services: largest.services.length, destinations: DESTS, addonMs: median(addonRuns), ipvsadmMs: median(ipvsadmRuns),
  note: `median of ${SINGLE_RUNS}; addon max ${Math.max(...addonRuns).toFixed(2)} ms, ipvsadm -e max ${Math.max(...ipvsadmRuns).toFixed(2)} ms`,
});
progress('single weight change through applyIpvs (two reads of the whole table around it)…');
const endToEnd = await timedAsync(async () => {
  const state: IpvsState = { services: largest.services.map((s) => (s === svc ? { ...s, destinations: s.destinations.map((d) => (d === dest ? { ...d, weight: 7 } : d)) } : s)) };
  const r = await applyIpvs(port, state);
  if (r.kind !== 'verified' || r.applied.length !== 1) throw new Error('applyIpvs single change did not verify');
});
record({ what: 'single change via applyIpvs', services: largest.services.length, destinations: DESTS, addonMs: endToEnd, ipvsadmMs: NaN, note: 'read + diff + one edit + read to verify' });

writeFileSync(join(share, 'results.json'), JSON.stringify(rows, null, 1));
progress('done');
