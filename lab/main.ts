// `npm run lab`: builds the site of lab/site.yaml in network namespaces, runs
// every node's agent, then the checks and the demo; prints progress as it
// goes and exits with the checks' status. npm starts it through
// scripts/with-deps.sh, which installs what is missing before tsx runs it.
// Where the host kernel lacks IPVS or IPIP (these machines), it all runs
// inside the user-mode-linux kernel.
// `--shell` leaves the lab running with a shell where `lab exec NODE CMD...`
// and `lab enter NODE` work.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleLab, REPO } from './bundle.js';
import { follow } from './follow.js';
import { prepareLabSite } from './site-file.js';
import { guestScript, LAB_MODULES } from './guest-script.js';
import { runInUml } from './uml/run.js';

const USAGE = 'usage: npm run lab -- [--site FILE] [--shell [--no-checks]]';

async function main(): Promise<number> {
  const { values: v } = parseArgs({ options: { site: { type: 'string', default: join(REPO, 'lab', 'site.yaml') }, shell: { type: 'boolean', default: false }, 'no-checks': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (v.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const t0 = Date.now();
  const say = (line: string): void => { process.stdout.write(`[lab ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`); };

  const labSite = await prepareLabSite(v.site);
  if (labSite === undefined) return 2;
  const { siteFile, site, topology } = labSite;
  const bundles = await bundleLab();
  say(`site ${site.name}: ${topology.nodes.length} nodes, ${topology.segments.length} segments; bundled tierlb and the checks`);

  const runDir = join(REPO, '.lab-runs', new Date().toISOString().replace(/[:.]/g, '-'));
  const logDir = join(runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const script = guestScript(topology, { prefix: '', stateDir: '/run/tierlb-lab', logDir, node: process.execPath, siteFile, ...bundles }, { shell: v.shell, checks: !v['no-checks'] });

  if (await hostHasIpvs()) {
    say('this kernel has IPVS and IPIP, but the host-namespace mode is not built yet; using the user-mode-linux kernel');
  }
  say(`booting the user-mode-linux kernel; logs in ${logDir}`);
  const stop = follow(join(logDir, 'progress'), (line) => say(`guest ${line}`));
  const run = await runInUml(script, {
    modules: LAB_MODULES, memMb: 3072, shareDir: runDir, timeoutMs: v.shell ? 24 * 3600 * 1000 : 20 * 60 * 1000, interactive: v.shell,
  });
  await stop();
  if (run.exitCode === null) {
    say(`the lab kernel stopped without reporting a status; its console ends with:\n${run.console.slice(-3000)}\nguest output:\n${run.output.slice(-3000)}`);
    return 1;
  }
  if (run.exitCode !== 0 && run.output.trim() !== '') say(`guest output (${join(runDir, '.output')}) ends with:\n${run.output.slice(-2000)}`);
  say(`lab finished with status ${run.exitCode}; logs of every agent and daemon: ${logDir}`);
  return run.exitCode;
}

async function hostHasIpvs(): Promise<boolean> {
  if (existsSync('/proc/net/ip_vs')) return true;
  const r = await execa('modprobe', ['-n', '-q', 'ip_vs'], { reject: false });
  return r.exitCode === 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`lab: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
