// `npm run bench:data-path`: what the data-path programs cost. Boots the lab
// (the user-mode-linux kernel here) once; inside, bench/data-path/guest/main.ts
// counts the checks through the tunnel per second on each L4 node and the
// packets per second through the lab with the programs attached and
// detached, in alternating windows of the same load. Prints progress, then
// the table, written with the raw windows to bench/results/data-path-*.{md,json}.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_DIR, bundleGuestPrograms, bundleLab, REPO } from '../../lab/bundle.js';
import { follow } from '../../lab/follow.js';
import { guestScript, LAB_MODULES } from '../../lab/guest-script.js';
import { prepareLabSite } from '../../lab/site-file.js';
import { runInUml } from '../../lab/uml/run.js';
import { dataPathTable } from './figures.js';
import type { DataPathOptions, DataPathResult } from './guest/main.js';

const USAGE = 'usage: npm run bench:data-path -- [--site FILE] [--reps N (1-10, default 3)] [--window S (5-60, default 10)] [--checks-window S (5-120, default 20)] [--out DIR]';

function wholeIn(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new Error(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<number> {
  const { values: v } = parseArgs({ options: {
    site: { type: 'string', default: join(REPO, 'lab', 'site.yaml') }, reps: { type: 'string', default: '3' },
    window: { type: 'string', default: '10' }, 'checks-window': { type: 'string', default: '20' },
    out: { type: 'string', default: join(REPO, 'bench', 'results') }, help: { type: 'boolean', default: false },
  } });
  if (v.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const options: DataPathOptions = { reps: wholeIn('--reps', v.reps, 1, 10), windowS: wholeIn('--window', v.window, 5, 60), checksWindowS: wholeIn('--checks-window', v['checks-window'], 5, 120) };
  const t0 = Date.now();
  const startedAt = new Date();
  const say = (line: string): void => { process.stdout.write(`[data-path ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`); };
  const runDir = join(REPO, '.lab-runs', `data-path-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  const logDir = join(runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const siteFile = v.site.startsWith('/') ? v.site : join(process.cwd(), v.site);
  const labSite = await prepareLabSite(siteFile);
  if (labSite === undefined) return 2;

  const lab = await bundleLab();
  await bundleGuestPrograms({ 'data-path': join(REPO, 'bench', 'data-path', 'guest', 'main.ts') });
  await writeFile(join(logDir, 'data-path-options.json'), JSON.stringify(options));
  const script = guestScript(labSite.topology, {
    prefix: '', stateDir: '/run/tierlb-lab', logDir, node: process.execPath, siteFile,
    ...lab, checks: join(BUNDLE_DIR, 'data-path.mjs'),
  }, { shell: false, checks: true });
  say(`booting the lab: ${options.checksWindowS} s of checks counted, then ${options.reps} × 2 windows of ${options.windowS} s; logs in ${logDir}`);
  const stop = follow(join(logDir, 'progress'), (line) => say(`guest ${line}`));
  const run = await runInUml(script, { modules: LAB_MODULES, memMb: 3072, shareDir: runDir, timeoutMs: (600 + options.reps * 2 * (options.windowS + 60) + options.checksWindowS) * 1000 });
  await stop();
  const file = join(logDir, 'data-path.json');
  if (!existsSync(file)) {
    say(`the lab ended without results (status ${run.exitCode}); guest output ends with:\n${run.output.slice(-3000)}`);
    return 1;
  }
  const result = JSON.parse(await readFile(file, 'utf8')) as DataPathResult;
  const notes = [...result.notes, ...(result.error !== undefined ? [`stopped early: ${result.error}`] : [])];
  const where = `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${Math.round(totalmem() / 2 ** 20)} MB, ${osType()} ${release()}; the lab runs in a user-mode-linux guest with one CPU and 3 GB, BPF in its interpreter (no JIT). Site: ${v.site.replace(`${REPO}/`, '')}. Load: 1 MB downloads and uploads through the first http service's VIPs, IPv4 and IPv6, one loop each, from the users namespace.`;
  const md = dataPathTable({ startedAt: startedAt.toISOString(), where, checks: result.checks, checksWindowS: options.checksWindowS, windows: result.windows, notes });
  await mkdir(v.out, { recursive: true });
  const base = join(v.out, `data-path-${startedAt.toISOString().replace(/:\d\d\.\d+Z$/, 'Z').replace(':', '')}`);
  await writeFile(`${base}.md`, md);
  await writeFile(`${base}.json`, `${JSON.stringify({ startedAt: startedAt.toISOString(), where, options, result, runDir }, null, 2)}\n`);
  process.stdout.write(`\n${md}\n`);
  say(`table: ${base}.md; raw windows: ${base}.json; logs: ${runDir}`);
  return result.error !== undefined || run.exitCode !== 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bench:data-path: ${(err as Error).message}\n`);
  process.exitCode = 2;
});
