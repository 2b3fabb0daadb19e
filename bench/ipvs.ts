// `npm run bench:ipvs`: the netlink addon against ipvsadm in the
// user-mode-linux kernel (the host kernel has no IPVS). Boots it once, runs
// bench/ipvs-guest.ts there, prints progress while it runs and a table with
// the ratios at the end. Needs the addon built (npm run build:native).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeUmlShare, runInUml } from '../lab/uml/run.js';
import { netlinkAvailable } from '../tiers/l4/ipvs-netlink.js';
import { REPO } from '../test/helpers/site.js';
import type { BenchRow } from './ipvs-guest.js';

const TIMEOUT_MS = 20 * 60 * 1000;

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
  const script = `
ip link set lo up
mount -t hostfs none ${progressDir} -o ${progressDir}
cd ${REPO}
node --import tsx bench/ipvs-guest.ts "$SHARE" ${progressFile}
`;
  try {
    const run = await runInUml(script, { modules: ['ip_vs', 'ip_vs_mh'], memMb: 1024, timeoutMs: TIMEOUT_MS });
    clearInterval(follow);
    const rows = JSON.parse(await readFile(join(run.shareDir, 'results.json'), 'utf8').catch(() => '[]')) as BenchRow[];
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

function report(rows: readonly BenchRow[]): string {
  // NaN (no ipvsadm counterpart) comes back from JSON as null.
  const none = (x: number | null): x is null => x === null || Number.isNaN(x);
  const ms = (x: number | null): string => (none(x) ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(0));
  const head = ['what', 'table', 'addon ms', 'ipvsadm ms', 'ipvsadm / addon', 'note'];
  const body = rows.map((r) => [
    r.what, `${r.services} × ${r.destinations}`, ms(r.addonMs), ms(r.ipvsadmMs),
    none(r.ipvsadmMs) ? '—' : `${(r.ipvsadmMs / r.addonMs).toFixed(1)}×`, r.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

process.exitCode = await main();
