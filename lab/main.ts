// `npm run lab`: builds the site of lab/site.yaml in network namespaces, runs
// every node's agent, then the checks and the demo; prints progress as it
// goes and exits with the checks' status. npm starts it through
// scripts/with-deps.sh, which installs what is missing before tsx runs it.
// Where the host kernel has IPVS, IPIP and ip6ip6 (or can load them) it runs
// in namespaces of the host (lab/host/); elsewhere (these machines) inside
// the user-mode-linux kernel (lab/uml/). `--kernel host|uml` chooses.
// `--shell` leaves the lab running with a shell where `lab exec NODE CMD...`
// and `lab enter NODE` work; `--smoke` stops after the smoke checks, `--only
// STEP,...` runs those demo steps alone after them (lab/guest/checks.ts).
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleLab, REPO } from './bundle.js';
import { follow } from './follow.js';
import { runInHost } from './host/run.js';
import { chooseKernel, hostKernelFeatures } from './kernel.js';
import { prepareLabSite } from './site-file.js';
import { guestScript, LAB_MODULES } from './guest-script.js';
import { runInUml } from './uml/run.js';

// A bound against a lab that hangs, not a measure of speed: the lab kernel has
// one CPU and every agent of the site on it, so a host whose hypervisor
// steals a third of its time has made a 15-minute run take over 30.
const RUN_LIMIT_MS = 45 * 60 * 1000;

const USAGE = 'usage: npm run lab -- [--site FILE] [--kernel host|uml] [--smoke | --only STEP,...] [--shell [--no-checks]]';

async function main(): Promise<number> {
  const { values: v } = parseArgs({ options: {
    site: { type: 'string', default: join(REPO, 'lab', 'site.yaml') }, kernel: { type: 'string' },
    shell: { type: 'boolean', default: false }, 'no-checks': { type: 'boolean', default: false }, smoke: { type: 'boolean', default: false },
    only: { type: 'string' }, help: { type: 'boolean', default: false },
  } });
  if (v.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const t0 = Date.now();
  const say = (line: string): void => { process.stdout.write(`[lab ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`); };

  const labSite = await prepareLabSite(v.site);
  if (labSite === undefined) return 2;
  const choice = chooseKernel(v.kernel, v.kernel === 'uml' ? [] : await hostKernelFeatures());
  if (!choice.ok) { process.stderr.write(`lab: ${choice.why}\n${USAGE}\n`); return 2; }
  const kernel = choice.kernel;
  say(kernel === 'host' ? `kernel: the host's, in namespaces: ${choice.why}` : `kernel: user-mode-linux: ${choice.why}`);
  const { siteFile, site, topology } = labSite;
  const bundles = await bundleLab();
  say(`site ${site.name}: ${topology.nodes.length} nodes, ${topology.segments.length} segments; bundled tierlb and the checks`);

  const runDir = join(REPO, '.lab-runs', new Date().toISOString().replace(/[:.]/g, '-'));
  const logDir = join(runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  // The guest has its own /tmp, /etc and /run: a site file there would not be the one checked here. The run folder is shared.
  const guestSiteFile = join(runDir, 'site.yaml');
  await copyFile(siteFile, guestSiteFile);
  const script = guestScript(topology, { prefix: '', stateDir: '/run/tierlb-lab', logDir, node: process.execPath, siteFile: guestSiteFile, ...bundles }, { shell: v.shell, checks: !v['no-checks'], kernel, smoke: v.smoke, ...(v.only ? { only: v.only.split(',') } : {}) });

  const timeoutMs = v.shell ? 24 * 3600 * 1000 : RUN_LIMIT_MS;
  say(kernel === 'host' ? `starting the lab in namespaces of this kernel; logs in ${logDir}` : `booting the user-mode-linux kernel; logs in ${logDir}`);
  const stop = follow(join(logDir, 'progress'), (line) => say(`${kernel === 'host' ? 'lab' : 'guest'} ${line}`));
  const run = kernel === 'host'
    ? await runInHost(script, { modules: LAB_MODULES, shareDir: runDir, timeoutMs, interactive: v.shell })
    : await runInUml(script, { modules: LAB_MODULES, memMb: 3072, shareDir: runDir, timeoutMs, interactive: v.shell });
  await stop();
  if (run.exitCode === null) {
    say(`the lab stopped without reporting a status${run.timedOut ? ` (stopped at its ${timeoutMs / 60000}-minute limit)` : ''}; its ${kernel === 'host' ? 'launcher' : 'console'} ends with:\n${run.console.slice(-3000)}\nlab output:\n${run.output.slice(-3000)}`);
    return 1;
  }
  if (run.exitCode !== 0 && run.output.trim() !== '') say(`lab output (${join(runDir, '.output')}) ends with:\n${run.output.slice(-2000)}`);
  say(`lab finished with status ${run.exitCode}; logs of every agent and daemon: ${logDir}`);
  return run.exitCode;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`lab: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
