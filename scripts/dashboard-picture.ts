// `npm run dashboard:picture`: a picture of packaging/grafana/tierlb-site.json
// against the lab's own metrics. Grafana is not packaged for Debian 12 nor on
// npm, so: the lab boots (the user-mode-linux kernel here) with every agent's
// status endpoint on its node's address; inside it Debian's Prometheus
// scrapes every agent while the lab's maintenance steps run under users'
// downloads (lab/dashboard/guest/); every query of the dashboard is run over
// that window; here the page is laid out from the dashboard's gridPos
// (lab/dashboard/render.ts) and chromium takes its screenshot.
//   --from-logs LOGDIR   draw again from an earlier run's results, no boot
//   --out FILE           the PNG (default docs/dashboard.png)
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_DIR, bundleGuestPrograms, bundleLab, REPO } from '../lab/bundle.js';
import { activityPlan, activitySeconds } from '../lab/dashboard/activity-plan.js';
import { pageHeight } from '../lab/dashboard/layout.js';
import { OPTIONS_FILE, panelQueries, parseDashboard, parseResults, RESULTS_FILE, type Dashboard } from '../lab/dashboard/model.js';
import { prometheusVersion } from '../lab/dashboard/prometheus-version.js';
import { renderDashboard } from '../lab/dashboard/render.js';
import { screenshot } from '../lab/dashboard/screenshot.js';
import { withAgentsOnOwnAddresses } from '../lab/dashboard/site.js';
import { follow } from '../lab/follow.js';
import { guestScript, LAB_MODULES } from '../lab/guest-script.js';
import { prepareLabSite } from '../lab/site-file.js';
import { runInUml } from '../lab/uml/run.js';

const DASHBOARD = join(REPO, 'packaging', 'grafana', 'tierlb-site.json');
const PAGE_WIDTH = 1600;
/** A README-sized picture: above this the run says so and fails. */
const MAX_PNG_BYTES = 600 * 1024;
/** The lab's bring-up (minutes when the host is busy) and the queries, on top of the activity. */
const BOOT_BUDGET_S = 20 * 60;

const USAGE = 'usage: npm run dashboard:picture -- [--site FILE] [--out FILE.png] [--from-logs LOGDIR]';

async function main(): Promise<number> {
  const { values: v } = parseArgs({ options: {
    site: { type: 'string', default: join(REPO, 'lab', 'site.yaml') }, out: { type: 'string', default: join(REPO, 'docs', 'dashboard.png') },
    'from-logs': { type: 'string' }, help: { type: 'boolean', default: false },
  } });
  if (v.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const t0 = Date.now();
  const say = (line: string): void => { process.stdout.write(`[dashboard ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`); };
  const dashboard = parseDashboard(JSON.parse(await readFile(DASHBOARD, 'utf8')));
  const lab = v['from-logs'] !== undefined ? { logDir: v['from-logs'], ok: true } : await runLab(v.site, dashboard, say);
  if (lab === undefined) return 2;
  if (!existsSync(join(lab.logDir, RESULTS_FILE))) { say(`no ${RESULTS_FILE} in ${lab.logDir}: nothing to draw`); return 1; }
  const drawn = await draw(dashboard, lab.logDir, v.out, say);
  return lab.ok ? drawn : 1;
}

/**
 * Boots the lab with the picture's program in place of the checks: the run's
 * log folder and whether the program passed (every agent scraped, every query
 * answered); undefined when the site is refused.
 */
async function runLab(siteArg: string, dashboard: Dashboard, say: (line: string) => void): Promise<{ logDir: string; ok: boolean } | undefined> {
  const runDir = join(REPO, '.lab-runs', `dashboard-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const logDir = join(runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const siteFile = join(runDir, 'site-dashboard.yaml');
  await writeFile(siteFile, withAgentsOnOwnAddresses(await readFile(siteArg.startsWith('/') ? siteArg : join(process.cwd(), siteArg), 'utf8')));
  const labSite = await prepareLabSite(siteFile);
  if (labSite === undefined) return undefined;
  const lab = await bundleLab();
  await bundleGuestPrograms({ dashboard: join(REPO, 'lab', 'dashboard', 'guest', 'main.ts') });
  await writeFile(join(logDir, OPTIONS_FILE), JSON.stringify({ queries: panelQueries(dashboard) }));
  const script = guestScript(labSite.topology, {
    prefix: '', stateDir: '/run/tierlb-lab', logDir, node: process.execPath, siteFile, ...lab, checks: join(BUNDLE_DIR, 'dashboard.mjs'),
  }, { shell: false, checks: true });
  const activity = activitySeconds(activityPlan(labSite.site));
  say(`site ${labSite.site.name}: ${labSite.topology.nodes.length} nodes, every agent on its own address (${siteFile}); ${panelQueries(dashboard).length} queries of ${dashboard.panels.length} panels; about ${activity} s of activity; booting the lab kernel; logs in ${logDir}`);
  const stop = follow(join(logDir, 'progress'), (line) => say(`guest ${line}`));
  const run = await runInUml(script, { modules: LAB_MODULES, memMb: 3072, shareDir: runDir, timeoutMs: (BOOT_BUDGET_S + activity) * 1000 });
  await stop();
  say(`the lab ended with status ${run.exitCode ?? 'none'}${run.timedOut ? ' (timed out)' : ''}`);
  if (run.exitCode !== 0) say(`its output ends with:\n${run.output.slice(-2500)}${run.exitCode === null ? `\nconsole:\n${run.console.slice(-1500)}` : ''}`);
  return { logDir, ok: run.exitCode === 0 };
}

async function draw(dashboard: Dashboard, logDir: string, out: string, say: (line: string) => void): Promise<number> {
  const raw = parseResults(JSON.parse(await readFile(join(logDir, RESULTS_FILE), 'utf8')));
  const version = await prometheusVersion();
  const results = {
    ...raw,
    caption: `The panels and queries of packaging/grafana/tierlb-site.json, evaluated by Prometheus ${version} (Debian) against every agent of the lab's site, drawn by tierlb's renderer (lab/dashboard/render.ts), not by Grafana. Numbered markers: the operator's commands.`,
  };
  const html = join(logDir, 'dashboard.html');
  await writeFile(html, renderDashboard(dashboard, results, { pageWidth: PAGE_WIDTH }));
  await mkdir(join(out, '..'), { recursive: true });
  const height = pageHeight(dashboard.panels.map((p) => p.gridPos));
  const shot = await screenshot(html, out, PAGE_WIDTH, height);
  const withData = dashboard.panels.filter((p) => results.targets.some((t) => t.panelId === p.id && t.series.length > 0)).length;
  say(`${out}: ${PAGE_WIDTH}x${height}, ${(shot.bytes / 1024).toFixed(0)} KB, in ${(shot.ms / 1000).toFixed(1)} s; ${withData}/${dashboard.panels.length} panels with data; the page: ${html}`);
  if (shot.bytes > MAX_PNG_BYTES) { say(`the picture is larger than ${MAX_PNG_BYTES / 1024} KB`); return 1; }
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`dashboard:picture: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
