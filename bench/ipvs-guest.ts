// The IPVS benchmark's guest half, run by bench/ipvs.ts inside the
// user-mode-linux kernel: full applies of N services × 50 destinations and a
// single-destination weight change on the largest table, through the netlink
// addon and through ipvsadm, in the same kernel.
//
// Each case runs in a fresh network namespace (IPVS state is per
// namespace): deleted destinations wait in the kernel's trash for minutes
// and every new destination is first looked up there, linearly, so a case
// run after a flush of 50,000 destinations would pay for the one before.
// argv: CASE SIZE RESULTS_FILE PROGRESS_FILE; appends one JSON row per line.
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { applyIpvs } from '../tiers/l4/apply.js';
import { diffIpvs, type IpvsOp } from '../tiers/l4/diff.js';
import { IpvsNetlink } from '../agent/drivers/ipvs/netlink-addon.js';
import { netlinkIpvsPort } from '../agent/drivers/ipvs/netlink-port.js';
import type { IpvsDestination, IpvsService, IpvsState } from '../tiers/l4/model.js';
import { ipvsOpsText } from '../tiers/l4/ops-text.js';
import { keyOf } from '../tiers/l4/service-key.js';

export interface BenchRow {
  readonly what: string;
  readonly services: number;
  readonly destinations: number;
  readonly addonMs?: number;
  readonly ipvsadmMs?: number;
  readonly note: string;
}

const [benchCase = '', sizeArg = '0', resultsFile = '/dev/null', progressFile = '/dev/null'] = process.argv.slice(2);
const DESTS = 50;
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
/** Shown as progress too, so a run cut short still gave its figures. */
function record(row: BenchRow): void {
  appendFileSync(resultsFile, `${JSON.stringify(row)}\n`);
  const ipvsadmText = row.ipvsadmMs === undefined ? '' : `, ipvsadm ${row.ipvsadmMs.toFixed(2)} ms`;
  progress(`  ${row.what}, ${row.services} × ${row.destinations}: addon ${row.addonMs?.toFixed(2) ?? '-'} ms${ipvsadmText} (${row.note})`);
}

const n = Number(sizeArg);
const state = table(n);
const ops = diffIpvs(state, []).ops;

async function addonFull(): Promise<number> {
  return timedAsync(async () => {
    const result = await port.apply(ops);
    if (!result.ok) throw new Error(`addon full apply failed: ${result.error}`);
  });
}

async function verify(): Promise<void> {
  const check = diffIpvs(state, await port.read());
  if (check.ops.length > 0 || check.orderDrift.length > 0) throw new Error(`the full apply left ${check.ops.length} differences`);
}

switch (benchCase) {
  case 'ipvsadm-full': {
    progress(`${n} × ${DESTS}: ipvsadm -R (${ops.length} operations)…`);
    const ms = timed(() => ipvsadm(['-R'], ipvsOpsText(ops)));
    await verify();
    record({ what: 'full apply', services: n, destinations: DESTS, ipvsadmMs: ms, note: 'ipvsadm -R' });
    break;
  }
  case 'ipvsadm-one-build': {
    progress(`${n} × ${DESTS}: ipvsadm -R, each new service without a scheduler until its destinations are in…`);
    const ms = timed(() => ipvsadm(['-R'], oneBuildText(ops)));
    await verify();
    record({ what: 'full apply', services: n, destinations: DESTS, ipvsadmMs: ms, note: 'ipvsadm -R with the addon\'s one-build-per-table order' });
    break;
  }
  case 'addon-full': {
    progress(`${n} × ${DESTS}: addon…`);
    const ms = await addonFull();
    await verify();
    record({ what: 'full apply', services: n, destinations: DESTS, addonMs: ms, note: 'one addon call (packed batches)' });
    const readMs = await timedAsync(() => port.read());
    record({ what: 'read the table', services: n, destinations: DESTS, addonMs: readMs, ipvsadmMs: timed(() => ipvsadm(['-L', '-n', '--nosort'])), note: 'addon read vs ipvsadm -Ln --nosort' });
    break;
  }
  case 'addon-apply-ipvs': {
    progress(`${n} × ${DESTS}: addon through applyIpvs (read, diff, apply, verify)…`);
    const ms = await timedAsync(async () => {
      const r = await applyIpvs(port, state);
      if (r.kind !== 'verified') throw new Error(`applyIpvs: ${r.error}`);
    });
    record({ what: 'applyIpvs, empty to full', services: n, destinations: DESTS, addonMs: ms, note: 'read + diff + apply + read to verify' });
    break;
  }
  case 'single': {
    progress(`${n} × ${DESTS}: building the table for the single changes…`);
    await addonFull();
    const svc = state.services[state.services.length - 1];
    const dest = svc?.destinations[DESTS - 1];
    if (!svc || !dest) throw new Error('no table');
    const target = `${svc.vip}:${svc.port}`;
    progress(`single weight change on ${target} (${n} × ${DESTS} in the kernel), ${SINGLE_RUNS} runs each…`);
    const addonRuns: number[] = [];
    const ipvsadmRuns: number[] = [];
    for (let i = 0; i < SINGLE_RUNS; i++) {
      // Every call changes the weight, so every call rebuilds the Maglev table.
      const op: IpvsOp = { op: 'edit-destination', key: keyOf(svc), destination: { ...dest, weight: 10 + 2 * i } };
      addonRuns.push(await timedAsync(async () => {
        const r = await port.apply([op]);
        if (!r.ok) throw new Error(r.error);
      }));
      ipvsadmRuns.push(timed(() => ipvsadm(['-e', '-t', target, '-r', `${dest.address}:${dest.port}`, '-i', '-w', String(11 + 2 * i)])));
    }
    record({
      what: 'single weight change', services: n, destinations: DESTS, addonMs: median(addonRuns), ipvsadmMs: median(ipvsadmRuns),
      note: `median of ${SINGLE_RUNS}; max: addon ${Math.max(...addonRuns).toFixed(2)} ms, ipvsadm -e ${Math.max(...ipvsadmRuns).toFixed(2)} ms`,
    });
    progress('single weight change through applyIpvs (a read of the whole table before and after)…');
    const changed: IpvsState = { services: state.services.map((s) => (s === svc ? { ...s, destinations: s.destinations.map((d) => (d === dest ? { ...d, weight: 7 } : d)) } : s)) };
    const endToEnd = await timedAsync(async () => {
      const r = await applyIpvs(port, changed);
      if (r.kind !== 'verified' || r.applied.length !== 1) throw new Error('applyIpvs single change did not verify');
    });
    record({ what: 'single change via applyIpvs', services: n, destinations: DESTS, addonMs: endToEnd, note: 'read + diff + one edit + read to verify' });
    break;
  }
  default:
    throw new Error(`expected a case (ipvsadm-full, ipvsadm-one-build, addon-full, addon-apply-ipvs, single), got "${benchCase}"`);
}
