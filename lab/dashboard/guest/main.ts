// The dashboard picture's program inside the lab, in place of the lab's
// checks: waits for the agents and the routes, starts Prometheus in the
// first router's namespace scraping every agent, runs the activity, then
// runs every query of the dashboard over the window (query_range) and writes
// the answers to LOG/dashboard-results.json for the host to draw. Exits 0
// only if every agent was scraped and every query answered. Bundled by
// scripts/dashboard-picture.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { nodesWithRole } from '../../../site/index.js';
import { checkRoutes, waitForAgents } from '../../guest/bringup.js';
import { envFromArgs, progress, sleep, uptime } from '../../guest/env.js';
import { activityPlan } from '../activity-plan.js';
import { OPTIONS_FILE, parseGuestOptions, RESULTS_FILE, type DashboardResults, type GuestOptions, type TargetResult } from '../model.js';
import { prometheusConfig, SCRAPE_SECONDS, scrapeTargets } from '../scrape.js';
import { queryRange, startPrometheus, targetHealth, type Prometheus } from './prometheus.js';
import { runActivity } from './activity.js';

const STORAGE = '/run/tierlb-dashboard';

async function main(): Promise<number> {
  const env = envFromArgs();
  const options = parseGuestOptions(JSON.parse(readFileSync(`${env.logDir}/${OPTIONS_FILE}`, 'utf8')));
  const router = nodesWithRole(env.site, 'router')[0]?.name;
  if (!router) throw new Error('the site has no router, whose namespace reaches every segment');
  const targets = scrapeTargets(env.site);
  const { check } = await waitForAgents(env);
  const routes = await checkRoutes(env, new Set(env.topology.nodes.map((n) => n.name)));
  progress(env, `lab up at ${uptime().toFixed(1)} s: ${check.detail}; ${routes.detail}`);
  const prom = await startPrometheus(env, router, STORAGE, prometheusConfig(targets));
  try {
    // Two scrapes, then say who answers: a target that does not is the first thing to fix.
    await sleep(3 * SCRAPE_SECONDS * 1000);
    const early = await targetHealth(prom);
    progress(env, `scrape targets: ${[...early.values()].filter((h) => h === 'up').length}/${targets.length} up${[...early].filter(([, h]) => h !== 'up').map(([n, h]) => `; ${n} ${h}`).join('')}`);
    const start = Math.floor(prom.readyAt / 1000);
    const markers = await runActivity(env, activityPlan(env.site));
    const end = Math.ceil(Date.now() / 1000);
    const health = await targetHealth(prom);
    const down = [...health].filter(([, h]) => h !== 'up');
    progress(env, `scrape targets at the end: ${health.size - down.length}/${targets.length} up${down.map(([n, h]) => `; ${n} ${h}`).join('')}`);
    const answers = await queryAll(prom, options, start, end);
    const results: DashboardResults = { start, end, step: SCRAPE_SECONDS, targets: answers, markers };
    writeFileSync(`${env.logDir}/${RESULTS_FILE}`, JSON.stringify(results));
    const failed = answers.filter((r) => r.error !== undefined);
    progress(env, `queries: ${answers.length - failed.length}/${answers.length} answered, ${answers.filter((r) => r.series.length > 0).length} with data, over ${end - start} s; ${env.logDir}/${RESULTS_FILE}`);
    for (const f of failed) progress(env, `  panel ${f.panelId} ${f.refId}: ${f.error ?? ''}`);
    return failed.length === 0 && down.length === 0 && health.size === targets.length ? 0 : 1;
  } finally {
    await prom.stop();
    progress(env, 'Prometheus stopped');
  }
}

async function queryAll(prom: Prometheus, options: GuestOptions, start: number, end: number): Promise<TargetResult[]> {
  const out: TargetResult[] = [];
  for (const q of options.queries) out.push({ ...q, ...await queryRange(prom, q.expr, start, end, SCRAPE_SECONDS) });
  return out;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`dashboard picture: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
