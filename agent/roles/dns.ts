// The dns role: gdnsd answers each service name with the VIPs that are up.
// The agent checks every VIP end to end (tiers/dns/vip-health.ts says why),
// writes gdnsd's extfile state when a VIP comes or goes (gdnsd applies it
// within about a second, direct mode), reloads zones in place and replaces
// gdnsd without downtime for a new config.
//
// Agent crash: gdnsd outlives it and keeps answering from the last state file
// written; the next agent reads that file back (a VIP that was down stays out
// until it passes `rise` checks) and takes gdnsd over with `gdnsd -R start`.
// Planned stop: the checks stop, then gdnsd stops; resolvers move to the
// other name servers of the zone.
//
// The disable file is not honoured: a DNS node that stopped answering would
// only make resolvers time out before they try the next name server. Taking
// a DNS node out is a change of the zone's NS records (or a planned stop).
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Site } from '../../site/index.js';
import { gdnsdPaths } from '../../tiers/dns/index.js';
import { answeredNames } from '../../tiers/dns/answers.js';
import { CONFIG_FILE, gdnsdChangeFor, planDns, strongerChange, type DnsPlan, type GdnsdChange } from '../../tiers/dns/plan.js';
import { parseDnsState } from '../../tiers/dns/state-file.js';
import { decideVips, vipTargets, type VipTarget } from '../../tiers/dns/vip-health.js';
import { installDaemonFiles } from '../apply/daemon-files.js';
import { RoleStartError, type Role, type RoleDeps, type RoleStatus } from '../role.js';
import { untilChecked } from '../install/until-checked.js';
import { VipChecks } from './dns-checks.js';
import { awaitServing, GDNSD, gdnsdSpec, pruneZones, reloadZones, replaceGdnsd, writeStateFile } from './dns-gdnsd.js';
import { vipProbe, type VipProbe } from './dns-probe.js';

const START_TIMEOUT_MS = 15000;
/**
 * How often gdnsd's VIP state file is read back: a hand edit (a VIP written
 * DOWN to take it out of the answers) would otherwise hold until a VIP's
 * health changed.
 */
export const STATE_CHECK_MS = 10_000;

export function dnsRole(deps: RoleDeps, probe: VipProbe = vipProbe): Role<DnsPlan> {
  const node = deps.node;
  const paths = gdnsdPaths(node);
  const checks = new VipChecks({ clock: deps.clock, probe, log: deps.log, onChange: (reason) => deps.kick(reason) });
  /** A reload or replace that failed: retried on the next turn, since the files on disk are already new. */
  let pending: GdnsdChange = 'none';
  /** The state this agent last wrote: the file differing from it while the plan does not is drift. */
  let written: string | undefined;
  let stateRepairs = 0;
  let stateTimer: NodeJS.Timeout | undefined;

  /** Writes the plan's state: 'written' for a new state, 'repaired' when the file had been changed under the same one. */
  async function holdState(state: string): Promise<'unchanged' | 'written' | 'repaired'> {
    const rewrote = await writeStateFile(paths.stateFile, state);
    const drift = rewrote && state === written;
    written = state;
    if (!drift) return rewrote ? 'written' : 'unchanged';
    stateRepairs++;
    deps.metrics.driftRepairs.inc({ kind: 'state-file' });
    deps.log.warn({ file: paths.stateFile }, `gdnsd state file drift repaired: ${paths.stateFile} written again (changed outside the agent)`);
    return 'repaired';
  }

  const planFor = (site: Site, targets: readonly VipTarget[]): DnsPlan => planDns(site, node, decideVips(site, targets, checks.snapshot()));

  /** A VIP the previous agent run wrote DOWN starts down, so a restart does not put it back in the answers. */
  async function seedFromPreviousState(targets: readonly VipTarget[]): Promise<void> {
    const text = await readFile(paths.stateFile, 'utf8').catch(() => undefined);
    if (text === undefined) return;
    const previous = parseDnsState(text);
    if (previous.skipped > 0) deps.log.warn({ file: paths.stateFile, skipped: previous.skipped }, 'previous VIP state file has lines that are not ADDRESS => UP|DOWN; they are ignored');
    for (const t of targets) {
      if (previous.vipUp.get(t.vip) === false) {
        checks.seed(t.key, { state: 'down', consecutiveOk: 0, consecutiveFail: 0, lastReason: 'down in the state file this agent found' });
      }
    }
  }

  async function applyChange(change: GdnsdChange): Promise<boolean> {
    if (change === 'none') return true;
    const r = change === 'replace'
      ? await replaceGdnsd(deps.supervisor, paths, deps.clock, deps.log)
      : await reloadZones(paths);
    deps.metrics.reloads.inc({ daemon: GDNSD, result: r.ok ? 'ok' : 'failed' });
    if (r.ok) deps.log.info({ change, output: r.output.trim() }, `gdnsd ${change} done`);
    else deps.log.error({ change, output: r.output.trim() }, `gdnsd ${change} failed; retried on the next turn`);
    return r.ok;
  }

  return {
    watched: [],
    async start(site) {
      for (const dir of [node.agent.runDir, node.agent.configDir, paths.stateDir]) await mkdir(dir, { recursive: true });
      const targets = vipTargets(site);
      await seedFromPreviousState(targets);
      const plan = planFor(site, targets);
      await holdState(plan.state);
      const installed = await untilChecked(() => installDaemonFiles(deps, node.agent.configDir, GDNSD, plan.files), (r) => r.kind === 'unchecked');
      if (installed.kind !== 'installed' && installed.kind !== 'unchanged') {
        const onDisk = await access(join(node.agent.configDir, CONFIG_FILE)).then(() => true, () => false);
        if (!onDisk) throw new RoleStartError(`cannot start gdnsd: its config was not installed (${installed.kind}) and none is on disk`);
        deps.log.warn('gdnsd starts with the config already on disk');
      } else {
        await pruneZones(node.agent.configDir, new Set(plan.files.map((f) => f.name)));
      }
      deps.supervisor.start(gdnsdSpec(paths));
      const pid = await awaitServing(deps.supervisor, paths, deps.clock, START_TIMEOUT_MS);
      if (pid === undefined) deps.log.warn({ timeoutMs: START_TIMEOUT_MS }, 'gdnsd is not answering on its control socket yet');
      else deps.log.info({ pid, configDir: paths.configDir }, 'gdnsd serving');
      checks.sync(targets);
      stateTimer = setInterval(() => void deps.kick('gdnsd state file drift check', { repair: true }), STATE_CHECK_MS);
      stateTimer.unref();
    },
    async plan(site) {
      const targets = vipTargets(site);
      checks.sync(targets);
      return planFor(site, targets);
    },
    async apply(_site, plan) {
      // State first: a VIP a new config adds is then already in the file it reads.
      if ((await holdState(plan.state)) === 'written') {
        deps.log.info({ down: plan.vips.filter((v) => !v.up).map((v) => v.vip) }, 'VIP states written for gdnsd');
      }
      // Reset first: a VIP the site dropped must not keep its last value.
      deps.metrics.dnsVipUp.reset();
      for (const v of plan.vips) deps.metrics.dnsVipUp.set({ service: v.service, vip: v.vip }, v.up ? 1 : 0);
      const installed = await installDaemonFiles(deps, node.agent.configDir, GDNSD, plan.files);
      if (installed.kind !== 'installed' && installed.kind !== 'unchanged') return false;
      const removed = await pruneZones(node.agent.configDir, new Set(plan.files.map((f) => f.name)));
      const change = gdnsdChangeFor([...(installed.kind === 'installed' ? installed.changed : []), ...removed]);
      pending = strongerChange(pending, change);
      if (!(await applyChange(pending))) return false;
      pending = 'none';
      return true;
    },
    status(site: Site): RoleStatus {
      const decisions = decideVips(site, vipTargets(site), checks.snapshot());
      const answered = answeredNames(site, decisions);
      return {
        maintenance: [{ file: node.agent.disableFile, state: 'not honoured on a DNS node' }],
        notes: [`gdnsd state file drift check every ${STATE_CHECK_MS / 1000} s: ${stateRepairs} repairs`],
        services: site.services.filter((s) => s.dns.length > 0).map((s) => ({
          name: s.name,
          vips: decisions.filter((d) => d.service === s.name).map((d) => {
            const names = answered.get(d.vip) ?? [];
            const fallback = !d.up && names.length > 0 ? ' (answered anyway: gdnsd falls back when no VIP of the family is up)'
              : d.up && names.length === 0 ? ' (standby: first-up answers an earlier VIP)' : '';
            return { vip: d.vip, announce: names.length > 0 ? 'yes' : 'no', reason: `${d.up ? 'UP' : 'DOWN'}: ${d.reason}${fallback}` };
          }),
          realServers: [],
        })),
      };
    },
    async stop() {
      clearInterval(stateTimer);
      await checks.stop();
      await deps.supervisor.stop(GDNSD);
    },
  };
}
