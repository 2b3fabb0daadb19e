// `npm run bench:router-restart [-- --runs N --behaviours old,new --scenarios kill,reflector-down]`:
// what a router's kernel route to a VIP goes through when its BIRD is killed
// (SIGKILL) and the agent's supervisor restarts it, on this host in network
// namespaces (router-restart/lab.ts). `new` is the files as rendered and
// BIRD restarted with `-R` (graceful-restart recovery: the kernel table is
// not synchronised until every reflector sent its End-of-RIB, or the bounded
// wait ends); `old` is the same files without graceful restart and no `-R`,
// the behaviour before, measured in the same run. Scenario `reflector-down`
// stops one reflector's gobgpd before the kill: the recovery then ends at
// `graceful restart wait`, not at BIRD's default 240 s. Prints the table
// (p50 / p99 / max of the time the route had fewer than 2 next hops) and
// writes it with the raw runs to bench/results/router-restart-*.{md,json}.
import { stopOnInterrupt } from './common/interrupt.js';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { formatIssue, parseSiteText, type Site } from '../site/index.js';
import { REPO } from '../test/helpers/site.js';
import { gracefulRestartWaitSeconds } from '../tiers/ecmp/view-bird.js';
import { timersOf } from '../tiers/ecmp/view.js';
import { waitFor } from '../test/helpers/agent.js';
import { chainVip, daemonVersions } from './bgp-chain/chain.js';
import { measureKill, type KillRun } from './router-restart/kill-run.js';
import { startRouterLab, type Behaviour, type RouterLab } from './router-restart/lab.js';
import { parseRestartOptions, USAGE, type RestartOptions, type Scenario } from './router-restart/options.js';
import { restartTable, type ScenarioRuns } from './router-restart/report.js';

type Say = (line: string) => void;

/** BIRD back, every session up, no recovery running, the VIP on both next hops: ready for the next kill. */
async function settled(lab: RouterLab): Promise<void> {
  await waitFor('the router settled again', async () => ((await lab.recovering()) === false && (await lab.sessionsUp()) && (await lab.hops()) === 2 ? true : undefined), 60000, 250);
}

/**
 * With a reflector down the recovery runs until `graceful restart wait`
 * (measured from BIRD's start): the window goes 5 s past it, to see it end.
 */
function windowOf(site: Site, scenario: Scenario, o: RestartOptions): number {
  return scenario === 'reflector-down' ? Math.max(o.windowMs, (gracefulRestartWaitSeconds(timersOf(site)) + 5) * 1000) : o.windowMs;
}

async function oneRun(lab: RouterLab, scenario: Scenario, o: RestartOptions, windowMs: number): Promise<KillRun> {
  const down = lab.reflectors[lab.reflectors.length - 1];
  if (scenario === 'reflector-down') {
    if (!down || lab.reflectors.length < 2) throw new Error('scenario reflector-down needs a site with two reflectors');
    await lab.stopReflector(down.name);
    await waitFor(`the router seeing ${down.name} down`, async () => (!(await lab.sessionsUp()) ? true : undefined), 20000, 100);
  }
  const run = await measureKill(lab, { windowMs, intervalMs: o.intervalMs });
  if (scenario === 'reflector-down' && down) lab.startReflector(down.name);
  await settled(lab);
  return run;
}

async function oneBehaviour(site: Site, behaviour: Behaviour, o: RestartOptions, dir: string, say: Say, onStop: (stop?: () => Promise<void>) => void): Promise<ScenarioRuns[]> {
  say(`${behaviour}: starting the lab`);
  const lab = await startRouterLab(site, chainVip(site), behaviour, dir, (line) => say(`${behaviour}: ${line}`));
  onStop(lab.stop);
  try {
    const out: ScenarioRuns[] = [];
    for (const scenario of o.scenarios) {
      const runs: KillRun[] = [];
      for (let i = 0; i < o.runs; i++) {
        const r = await oneRun(lab, scenario, o, windowOf(site, scenario, o));
        runs.push(r);
        say(`${behaviour} ${scenario} #${i + 1}: < 2 next hops ${Math.round(r.shortMs)} ms (gone ${Math.round(r.goneMs)} ms), recovery over at ${r.recoveredAt === null ? '—' : Math.round(r.recoveredAt)} ms, ${r.routeChanges} route changes (${r.routeDeletions} deletions), ${r.samples} samples`);
      }
      out.push({ behaviour, scenario, runs });
    }
    return out;
  } finally {
    await lab.stop();
    onStop(undefined);
  }
}

function parseSite(text: string, file: string): Site {
  const r = parseSiteText(text);
  if (!r.ok) throw new Error(`${file}: ${r.issues.map((i) => formatIssue(i)).join('\n')}`);
  return r.site;
}

async function main(): Promise<number> {
  const o = parseRestartOptions(process.argv.slice(2), { site: join(REPO, 'examples', 'site.yaml'), out: join(REPO, 'bench', 'results') });
  if (o.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const t0 = Date.now();
  const startedAt = new Date(t0);
  const loadAtStart = loadavg()[0] ?? NaN;
  const say: Say = (line) => { process.stdout.write(`[router-restart ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`); };
  const site = parseSite(await readFile(o.site, 'utf8'), o.site);
  const dir = await mkdtemp(join(tmpdir(), 'tlbr-'));
  const interrupt = stopOnInterrupt(dir, say);
  const all: ScenarioRuns[] = [];
  try {
    for (const behaviour of o.behaviours) all.push(...(await oneBehaviour(site, behaviour, o, join(dir, behaviour), say, (stop) => interrupt.stopWith(stop))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const where = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, Linux ${release()}, each node in its own network namespace on one bridge; load average ${loadAtStart.toFixed(2)} at the start, ${(loadavg()[0] ?? NaN).toFixed(2)} at the end. ${await daemonVersions()}. Site ${relative(REPO, o.site)}: its first router, its reflectors, two L4 gobgpd speakers announcing ${chainVip(site)}. Each kill: SIGKILL, the supervisor restarts BIRD after its first back-off; the route sampled every ${o.intervalMs} ms (plus an ip process) for ${o.windowMs / 1000} s (${windowOf(site, 'reflector-down', o) / 1000} s with a reflector down: graceful restart wait is ${gracefulRestartWaitSeconds(timersOf(site))} s).`;
  const table = restartTable(all);
  const md = `# Router BIRD killed and restarted, ${startedAt.toISOString()}\n\n${where}\n\n${table}\n`;
  await mkdir(o.out, { recursive: true });
  const base = join(o.out, `router-restart-${startedAt.toISOString().slice(0, 16).replace(/:/g, '')}Z`);
  await writeFile(`${base}.md`, md);
  await writeFile(`${base}.json`, `${JSON.stringify({ startedAt: startedAt.toISOString(), where, options: o, results: all }, null, 2)}\n`);
  process.stdout.write(`\n${md}\n`);
  say(`written: ${relative(REPO, base)}.md and .json`);
  return 0;
}

main().then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`router-restart: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
