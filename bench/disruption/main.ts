// `npm run bench:disruption`: boots the lab (lab/ modules, the user-mode-linux
// kernel here), runs the disruption scenarios under load inside it
// (guest/main.ts, bundled here), prints progress, and writes the table
// (markdown) and the raw figures (JSON) to bench/results/. `--short` runs the
// short version of scenarios 1 and 3 the lab suite uses; `--lab-checks` runs
// the lab's own checks and demo first, on the same boot (the lab suite shares
// one boot that way). Scenario `edits`
// (live site edits) boots the lab with one more L7 node that only the last
// service lists (edit-plan.ts: editsBootSite), so an edit can append it to
// the others; scenario `moved`
// likewise, with that node outside the service it measures (moved-plan.ts).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_DIR, bundleGuestPrograms, bundleLab, REPO } from '../../lab/bundle.js';
import { follow } from '../../lab/follow.js';
import { prepareLabSite } from '../../lab/site-file.js';
import { guestScript, LAB_MODULES } from '../../lab/guest-script.js';
import { runInUml } from '../../lab/uml/run.js';
import { editPlan, editsBootSite } from './edit-plan.js';
import { movedBootSite, movedPlan } from './moved-plan.js';
import { markdownTable } from './report.js';
import type { BenchRun, ScenarioResult } from './result.js';
import { DEFAULT, isFaultRun, rowOrder, selectScenarios } from './scenario-ids.js';

const USAGE = `usage: npm run bench:disruption -- [--site FILE] [--scenarios ${DEFAULT.join(',')}|moved|faults] [--flows N] [--seconds S] [--short] [--lab-checks] [--out DIR] [--from-logs LOGDIR]`;
/**
 * Scenario `moved` on top of its row: four learns of 8000 connections, each
 * bounded by 12 min (guest/moved-learn.ts: LEARN_MS), two edits of up to
 * 2 min and two reverts of up to 2 min.
 */
const MOVED_BUDGET_S = 4 * 12 * 60 + 8 * 60;
/**
 * `--lab-checks`: every step of `npm run lab` first, about 12 minutes on an
 * unloaded host and past 25 when the lab kernel is starved of CPU.
 */
const LAB_CHECKS_BUDGET_S = 35 * 60;

const positive = (name: string, text: string, max: number): number => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max) throw new Error(`${name}: expected a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return n;
};

async function main(): Promise<number> {
  const { values: v } = parseArgs({ options: {
    site: { type: 'string', default: join(REPO, 'lab', 'site.yaml') }, scenarios: { type: 'string' }, flows: { type: 'string' }, seconds: { type: 'string' },
    short: { type: 'boolean', default: false }, 'lab-checks': { type: 'boolean', default: false }, 'from-logs': { type: 'string' }, out: { type: 'string', default: join(REPO, 'bench', 'results') }, help: { type: 'boolean', default: false },
  } });
  if (v.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const scenarios = selectScenarios(v.scenarios, v.short);
  const flows = v.flows ? positive('--flows', v.flows, 2000) : v.short ? 100 : 200;
  const seconds = v.seconds ? positive('--seconds', v.seconds, 600) : 40;
  const t0 = Date.now();
  let startedAt = new Date();
  const say = (line: string): void => { process.stdout.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`); };

  const runDir = join(REPO, '.lab-runs', `disruption-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  // Scenario edits has a row per step, each under its own flows.
  const edits = scenarios.includes('edits') && !v['from-logs'] ? await editsSite(v.site, runDir) : undefined;
  const moved = scenarios.includes('moved') && !v['from-logs'] ? await movedSite(v.site, runDir) : undefined;
  const labSite = await prepareLabSite(edits?.file ?? moved ?? v.site);
  if (labSite === undefined) return 2;
  const { siteFile, site, topology } = labSite;

  let load = { flows, seconds, idleMs: 15000, warmupMs: 2000 };
  let logDir: string;
  let exitCode: number | null = 0;
  const fromLogs = v['from-logs'];
  if (fromLogs) {
    // The table again from runs' log folders (e.g. one cut short and one with the rest), comma-separated: no boot.
    const dirs = fromLogs.split(',');
    logDir = dirs[0] ?? fromLogs;
    const saved = JSON.parse(await readFile(join(logDir, 'bench-options.json'), 'utf8')) as typeof load & { scenarios: string[] };
    load = { flows: saved.flows, seconds: saved.seconds, idleMs: saved.idleMs, warmupMs: saved.warmupMs };
    scenarios.splice(0, scenarios.length);
    for (const d of dirs) {
      const o = JSON.parse(await readFile(join(d, 'bench-options.json'), 'utf8')) as typeof load & { scenarios: string[] };
      if (o.flows !== load.flows || o.seconds !== load.seconds) throw new Error(`--from-logs: ${d} ran ${o.flows} flows of ${o.seconds} s, expected the load of ${logDir}`);
      const done = existsSync(join(d, 'disruption.json')) ? (JSON.parse(await readFile(join(d, 'disruption.json'), 'utf8')) as ScenarioResult[]).map((r) => r.scenario ?? r.id) : [];
      scenarios.push(...o.scenarios.filter((id) => done.includes(id)));
    }
    const m = /disruption-(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d+)Z/.exec(logDir);
    if (m) startedAt = new Date(`${m[1]}:${m[2]}:${m[3]}.${m[4]}Z`);
  } else {
    const lab = await bundleLab();
    // The scenarios and the flows client, one file each like the lab's checks (a bundle loads fast in the lab kernel).
    await bundleGuestPrograms({
      disruption: join(REPO, 'bench', 'disruption', 'guest', 'main.ts'), flows: join(REPO, 'bench', 'flows', 'main.ts'),
      // Scenario `moved` finds it beside the flows client.
      'moved-probe': join(REPO, 'bench', 'disruption', 'guest', 'moved-probe.ts'),
    });
    logDir = join(runDir, 'logs');
    await mkdir(logDir, { recursive: true });
    await writeFile(join(logDir, 'bench-options.json'), JSON.stringify({ scenarios, ...(v['lab-checks'] ? { labChecks: { client: lab.client } } : {}), ...load }));
    const script = guestScript(topology, {
      prefix: '', stateDir: '/run/tierlb-lab', logDir, node: process.execPath, siteFile,
      ...lab, checks: join(BUNDLE_DIR, 'disruption.mjs'), client: join(BUNDLE_DIR, 'flows.mjs'),
    }, { shell: false, checks: true });
    say(`site ${site.name}: ${topology.nodes.length} nodes; scenarios ${scenarios.join(', ')}; ${flows} flows of ${seconds} s each; booting the lab kernel; logs in ${logDir}`);
    const stop = follow(join(logDir, 'progress'), (line) => say(`guest ${line}`));
    const rows = scenarios.length - (edits ? 1 : 0) + (edits?.rows ?? 0);
    const run = await runInUml(script, { modules: LAB_MODULES, memMb: 3072, shareDir: runDir, timeoutMs: (10 * 60 + rows * (seconds + 240) + (scenarios.includes('2b') ? 150 : 0) + (moved ? MOVED_BUDGET_S : 0) + (v['lab-checks'] ? LAB_CHECKS_BUDGET_S : 0)) * 1000 });
    await stop();
    exitCode = run.exitCode;
    if (run.exitCode === null || !existsSync(join(logDir, 'disruption.json'))) say(`the lab ended without results (status ${run.exitCode}); guest output ends with:\n${run.output.slice(-3000)}\nconsole:\n${run.console.slice(-1500)}`);
  }
  const results: ScenarioResult[] = [];
  for (const d of fromLogs ? fromLogs.split(',') : [logDir]) {
    const file = join(d, 'disruption.json');
    // A later run's result for the same scenario replaces an earlier one.
    for (const r of existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) as ScenarioResult[] : []) {
      const i = results.findIndex((x) => x.id === r.id);
      if (i >= 0) results.splice(i, 1, r);
      else results.push(r);
    }
  }
  // Stable: the rows of one scenario's steps keep their order.
  results.sort((a, b) => rowOrder(a.scenario ?? a.id) - rowOrder(b.scenario ?? b.id));

  const count = (role: string): number => site.nodes.filter((n) => n.role === role).length;
  const bench: BenchRun = {
    startedAt: startedAt.toISOString(),
    lab: { site: site.name, nodes: Object.fromEntries(['router', 'reflector', 'l4', 'l7', 'backend', 'dns'].map((r) => [r, count(r)])), vips: topology.vips.length, userAddresses: topology.clients.ipv4.length + topology.clients.ipv6.length },
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryMb: Math.round(totalmem() / 2 ** 20), kernel: `${osType()} ${release()}`, where: 'the lab runs in a user-mode-linux guest with one CPU and 3 GB' },
    load: { flowsPerScenario: load.flows, secondsPerFlow: load.seconds, targets: site.services.reduce((n, s) => n + s.vips.length * s.ports.length, 0) },
    scenarios: results,
  };
  await mkdir(v.out, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:\d\d\.\d+Z$/, 'Z').replace(':', '');
  const faults = isFaultRun(scenarios);
  const base = join(v.out, `${faults ? 'faults' : 'disruption'}-${stamp}${v.short ? '-short' : ''}`);
  const md = markdownTable(bench, faults ? 'Fault bench' : 'Disruption bench');
  await writeFile(`${base}.md`, md);
  await writeFile(`${base}.json`, `${JSON.stringify({ ...bench, logDirs: fromLogs ? fromLogs.split(',') : [logDir] }, null, 2)}\n`);
  process.stdout.write(`\n${md}\n`);
  say(`table: ${base}.md; raw figures: ${base}.json; logs: ${logDir}`);
  const labOk = v['lab-checks'] && !fromLogs ? await labChecksPassed(logDir, say) : true;
  const ok = labOk && exitCode !== null && new Set(results.map((r) => r.scenario ?? r.id)).size === new Set(scenarios).size && results.every((r) => r.ok);
  say(`${faults ? 'fault' : 'disruption'} bench finished: ${results.filter((r) => r.ok).length}/${results.length} rows of ${scenarios.length} scenarios met their targets`);
  return ok ? 0 : 1;
}

/** Whether the lab's own checks (`--lab-checks`) all passed, from the results.json they wrote; says how many did. */
async function labChecksPassed(logDir: string, say: (line: string) => void): Promise<boolean> {
  const file = join(logDir, 'results.json');
  if (!existsSync(file)) { say('the lab checks wrote no results.json'); return false; }
  const { checks } = JSON.parse(await readFile(file, 'utf8')) as { checks: { ok: boolean }[] };
  say(`lab checks on the same boot: ${checks.filter((c) => c.ok).length}/${checks.length} passed (${file})`);
  return checks.every((c) => c.ok);
}

/** The site for a run with scenario `edits`: `siteArg` with a spare L7 node (editsBootSite), written into the run's folder. */
async function editsSite(siteArg: string, runDir: string): Promise<{ file: string; rows: number }> {
  const boot = editsBootSite(await readFile(siteArg.startsWith('/') ? siteArg : join(process.cwd(), siteArg), 'utf8'));
  // The edits must apply to it: a site they cannot be made from is refused before the boot.
  const rows = editPlan(boot.text).length;
  await mkdir(runDir, { recursive: true });
  const file = join(runDir, 'site-edits.yaml');
  await writeFile(file, boot.text);
  return { file, rows };
}

/** The site for a run with scenario `moved`: `siteArg` with a spare L7 node outside the measured service (movedBootSite), written into the run's folder. */
async function movedSite(siteArg: string, runDir: string): Promise<string> {
  const boot = movedBootSite(await readFile(siteArg.startsWith('/') ? siteArg : join(process.cwd(), siteArg), 'utf8'));
  // Its edits and predictions must be made from it: a site they cannot be made from is refused before the boot.
  movedPlan(boot.text);
  await mkdir(runDir, { recursive: true });
  const file = join(runDir, 'site-moved.yaml');
  await writeFile(file, boot.text);
  return file;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bench:disruption: ${(err as Error).message}\n`);
  process.exitCode = 2;
});
