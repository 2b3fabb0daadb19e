// `npm run bench:ipvs`: the netlink addon against ipvsadm in the
// user-mode-linux kernel (the host kernel has no IPVS). Boots it once, runs
// bench/ipvs-guest.ts there, prints progress while it runs and a table with
// the ratios at the end. Needs the addon built (npm run build:native).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeUmlShare, runInUml } from '../lab/uml/run.js';
import { netlinkAvailable } from '../agent/drivers/ipvs/netlink-addon.js';
import { REPO } from '../test/helpers/site.js';
import type { BenchRow } from './ipvs-guest.js';

const TIMEOUT_MS = 20 * 60 * 1000;
const SIZES = [10, 100, 1000];

async function main(): Promise<number> {
  const available = netlinkAvailable();
  if (!available.ok) {
    console.error(`bench:ipvs: ${available.reason}`);
    return 1;
  }
  // A host folder the guest mounts read-write for its progress lines (not under /tmp: the guest has its own).
  const progressDir = await mkdtemp('/var/tmp/tierlb-bench-ipvs-');
  const progressFile = join(progressDir, 'progress');
  let shown = 0;
  const follow = setInterval(() => {
    void readFile(progressFile, 'utf8').then((text) => {
      const lines = text.split('\n').filter((l) => l !== '');
      for (const l of lines.slice(shown)) console.log(`  ${l}`);
      shown = lines.length;
    }, () => undefined);
  }, 500);
  console.log('bench:ipvs: booting the user-mode-linux kernel (1 CPU)…');
  const started = Date.now();
  // Each case in a fresh network namespace (see bench/ipvs-guest.ts for why).
  const cases = SIZES.flatMap((n) => ['ipvsadm-full', 'ipvsadm-one-build', 'addon-full', 'addon-apply-ipvs'].map((c) => `${c} ${n}`));
  cases.push(`single ${SIZES[SIZES.length - 1]}`);
  // `npm run bench:ipvs -- single` runs only the cases whose name contains an argument.
  const only = process.argv.slice(2);
  const chosen = only.length === 0 ? cases : cases.filter((c) => only.some((o) => c.includes(o)));
  const script = `
mount -t hostfs none ${progressDir} -o ${progressDir}
cd ${REPO}
for c in ${chosen.map((c) => `"${c}"`).join(' ')}; do
  unshare -n sh -c "ip link set lo up && node --import tsx bench/ipvs-guest.ts $c $SHARE/results.jsonl ${progressFile}"
done
`;
  try {
    const run = await runInUml(script, { modules: ['ip_vs', 'ip_vs_mh'], memMb: 1024, timeoutMs: TIMEOUT_MS });
    clearInterval(follow);
    const lines = (await readFile(join(run.shareDir, 'results.jsonl'), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
    const rows = merged(lines.map((l) => JSON.parse(l) as BenchRow));
    if (run.exitCode !== 0 || rows.length === 0) {
      console.error(`bench:ipvs: the guest failed (exit ${run.exitCode}):\n${run.output}\n${run.console.slice(-2000)}`);
      return 1;
    }
    console.log(`\nIPVS in the UML kernel, ${((Date.now() - started) / 1000).toFixed(0)} s in all; mh scheduler, tunnel destinations, 50 per service\n`);
    console.log(report(rows));
    await removeUmlShare(run);
    return 0;
  } finally {
    clearInterval(follow);
    await rm(progressDir, { recursive: true, force: true });
  }
}

/** The addon's full-apply figure beside each ipvsadm full-apply figure of the same size. */
function merged(rows: readonly BenchRow[]): BenchRow[] {
  const addonFull = new Map(rows.filter((r) => r.what === 'full apply' && r.addonMs !== undefined).map((r) => [r.services, r.addonMs]));
  return rows
    .filter((r) => !(r.what === 'full apply' && r.ipvsadmMs === undefined))
    .map((r) => (r.what === 'full apply' ? { ...r, addonMs: addonFull.get(r.services) } : r));
}

function report(rows: readonly BenchRow[]): string {
  const none = (x: number | undefined): x is undefined => x === undefined || Number.isNaN(x);
  const ms = (x: number | undefined): string => (none(x) ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(0));
  const head = ['what', 'table', 'addon ms', 'ipvsadm ms', 'ipvsadm / addon', 'note'];
  const body = rows.map((r) => [
    r.what, `${r.services} × ${r.destinations}`, ms(r.addonMs), ms(r.ipvsadmMs),
    none(r.ipvsadmMs) || none(r.addonMs) ? '—' : `${(r.ipvsadmMs / r.addonMs).toFixed(1)}×`, r.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

process.exitCode = await main();
