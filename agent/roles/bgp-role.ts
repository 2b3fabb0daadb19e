// What routers and reflectors share: one BGP daemon (BIRD or gobgpd) whose
// config file the agent renders, checks and installs, runs under the
// supervisor, reloads in place when the file changes, adopts when a previous
// agent left it running, and observes for `tierlb status`.
//
// Agent crash: the daemon outlives it (its own process group, output to a
// log file, no exit cleanup) and keeps routing. The next agent finds it by
// its exact command line, adopts it (no second daemon: it would fight for the
// socket and port 179), reloads it once with the file now on disk, and starts
// its own only when the adopted one is gone.
// Planned stop: the daemon is stopped (SIGTERM, NOTIFICATION to every peer):
// an operator who stops a router's or reflector's agent means it; the other
// routers/reflectors carry the routes.
// Maintenance files: none. A router or reflector carries every VIP; taking
// it out of service is a network change (drain its upstream links), not
// something /etc/lb/disable can express, so it is not watched.
import { access } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import type { Site } from '../../site/index.js';
import type { Daemon, RenderedFile } from '../../tiers/common/files.js';
import { installDaemonFiles } from '../apply/daemon-files.js';
import type { Checker } from '../install/install.js';
import { RoleStartError, type Role, type RoleDeps, type RoleStatus } from '../role.js';
import { untilChecked } from '../install/until-checked.js';
import type { DaemonSpec } from '../supervise/supervisor.js';
import { findDaemonPid } from './bgp-adopt.js';
import type { Verdict } from './bgp-bird.js';
import { staleStatus } from './bgp-status.js';

export interface BgpDaemonDriver {
  readonly daemon: Extract<Daemon, 'bird' | 'gobgpd'>;
  readonly spec: DaemonSpec;
  /** Human words for where it answers (`socket /run/bird.ctl`), for errors. */
  readonly where: string;
  files(site: Site): RenderedFile[];
  /** The daemon answers on its control socket or API. */
  answers(): Promise<boolean>;
  /** Makes the running daemon take the installed file; restarts it when it cannot take it in place. */
  reload(site: Site): Promise<Verdict>;
  /** Kernel/other state the node needs besides the file (router sysctls); true when settled. */
  settle?(site: Site): Promise<boolean>;
  observe(site: Site): Promise<RoleStatus>;
}

export interface BgpRolePlan {
  readonly files: readonly RenderedFile[];
}

export interface BgpRoleOptions {
  /** How long start() waits for the daemon to answer before it carries on with a warning. */
  readonly readyTimeoutMs?: number;
  /** How often the status is refreshed from the daemon while it changes (and after every turn). */
  readonly observeEveryMs?: number;
  /** The longest wait between refreshes once the daemon says the same thing again and again: each unchanged reading doubles the wait up to this. */
  readonly observeAtMostEveryMs?: number;
  /** Defaults to the daemon's own checker (`bird -p`, `gobgpd -d`); unit tests pass a fake. */
  readonly checker?: Checker;
}

export class BgpStartError extends RoleStartError {
  override readonly code = 'TIERLB_BGP_START';
}

/** A daemon that did not take its config is asked again after this long. */
const RELOAD_RETRY_MS = 2000;

export function bgpDaemonRole(deps: RoleDeps, driver: BgpDaemonDriver, options: BgpRoleOptions = {}): Role<BgpRolePlan> {
  const dir = deps.node.agent.configDir;
  const install = (files: readonly RenderedFile[]) => installDaemonFiles({ ...deps, ...(options.checker ? { checker: options.checker } : {}) }, dir, driver.daemon, files);
  const name = driver.spec.name;
  let observed: RoleStatus = { maintenance: [], services: [], sessions: [] };
  /** The daemon pid the observation was read from: a restarted daemon's sessions start again. */
  let observedPid: number | undefined;
  let reloadPending = false;
  let timer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let observing: Promise<void> | undefined;
  const observeEveryMs = options.observeEveryMs ?? 2000;
  const observeMaxMs = Math.max(observeEveryMs, options.observeAtMostEveryMs ?? 10000);
  let observeWait = observeEveryMs;
  /** Which observe loop is the live one: a turn starts a new one with the current site, stop ends them. */
  let observeGeneration = 0;
  /** Waits as long as the daemon's answers say, refreshes, and again. */
  const observeLoop = (site: Site): void => {
    const generation = ++observeGeneration;
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(site).then(() => { if (generation === observeGeneration) observeLoop(site); }), observeWait);
    timer.unref();
  };

  const refresh = (site: Site): Promise<void> => {
    const pid = deps.supervisor.pid(name);
    observing ??= driver.observe(site)
      .then((s) => {
        // A daemon that keeps saying the same is asked less often (every question is a process for gobgpd).
        observeWait = pid === observedPid && isDeepStrictEqual(s, observed) ? Math.min(observeWait * 2, observeMaxMs) : observeEveryMs;
        observed = s;
        observedPid = pid;
      })
      .catch((error: unknown) => deps.log.warn({ err: error }, `could not read ${driver.daemon} state`))
      .finally(() => { observing = undefined; });
    return observing;
  };

  const reload = async (site: Site): Promise<boolean> => {
    const verdict = await driver.reload(site);
    deps.metrics.reloads.inc({ daemon: driver.daemon, result: verdict.ok ? 'ok' : 'refused' });
    if (verdict.ok) deps.log.info({ daemon: driver.daemon, detail: verdict.detail }, `${driver.daemon} took the new config`);
    else deps.log.error({ daemon: driver.daemon, detail: verdict.detail }, `${driver.daemon} did not take the new config; retried in ${RELOAD_RETRY_MS / 1000} s`);
    reloadPending = !verdict.ok;
    // Nothing else may kick a turn soon: a steady site and a daemon that did not answer would keep the old config for good.
    clearTimeout(retryTimer);
    if (!verdict.ok) {
      retryTimer = setTimeout(() => void deps.kick(`${driver.daemon} did not take its config: trying again`), RELOAD_RETRY_MS);
      retryTimer.unref();
    }
    return verdict.ok;
  };

  return {
    watched: [],
    async start(site) {
      const files = driver.files(site);
      const installed = await untilChecked(() => install(files), (r) => r.kind === 'unchecked');
      if (installed.kind !== 'installed' && installed.kind !== 'unchanged') {
        // The files a previous agent installed were checked then: run with those rather than not route at all.
        const onDisk = await Promise.all(files.map((f) => access(join(dir, f.name)).then(() => true, () => false)));
        if (!onDisk.every(Boolean)) throw new BgpStartError(`cannot start ${driver.daemon}: its config was not installed (${installed.kind}) and none is on disk; see the log`);
        deps.log.warn({ daemon: driver.daemon }, `${driver.daemon} starts with the config already on disk`);
      }
      const left = findDaemonPid(driver.spec);
      if (left !== undefined && deps.supervisor.adopt(driver.spec, left)) {
        deps.log.info({ daemon: name, pid: left }, `adopted the ${driver.daemon} a previous agent left running`);
        // The file may have changed while no agent was watching.
        await reload(site);
      } else if (await driver.answers()) {
        throw new BgpStartError(`a ${driver.daemon} that this agent did not start answers on ${driver.where}; stop it first (two would fight for the socket and port 179)`);
      } else {
        deps.supervisor.start(driver.spec);
      }
      const until = deps.clock.now() + (options.readyTimeoutMs ?? 10000);
      while (!(await driver.answers()) && deps.clock.now() < until) await deps.clock.sleep(100);
      if (!(await driver.answers())) deps.log.warn({ daemon: name }, `${driver.daemon} is not answering on ${driver.where} yet`);
      await refresh(site);
      observeLoop(site);
    },
    plan(site) {
      return Promise.resolve({ files: driver.files(site) });
    },
    async apply(site, plan) {
      const settled = driver.settle ? await driver.settle(site) : true;
      const installed = await install(plan.files);
      let ok = installed.kind === 'installed' || installed.kind === 'unchanged';
      if (installed.kind === 'installed' || (installed.kind === 'unchanged' && reloadPending)) ok = await reload(site);
      observeWait = observeEveryMs;
      void refresh(site);
      if (timer) observeLoop(site);
      return ok && settled;
    },
    status() {
      const pid = deps.supervisor.pid(name);
      if (pid === observedPid) return observed;
      return staleStatus(observed, pid === undefined ? `${driver.daemon} is not running` : `${driver.daemon} restarted (pid ${pid}); reading it again`);
    },
    async stop() {
      observeGeneration++;
      clearTimeout(timer);
      clearTimeout(retryTimer);
      timer = undefined;
      await observing;
      await deps.supervisor.stop(name);
    },
  };
}
