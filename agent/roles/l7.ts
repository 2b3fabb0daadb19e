// An L7 node's agent: it puts the node's VIPs on lo, installs haproxy.cfg
// after `haproxy -c`, runs HAProxy (or adopts the one a previous agent left
// serving), reloads it without dropping a connection, and carries the node's
// own maintenance state (the agent-check file) into HAProxy's enabler server,
// which the monitor URI the L4 nodes check follows.
//
// Two paths carry the enabler state: a push through the runtime API on every
// change of the file (within the turn, well under 1 s), and the agent-check
// HAProxy polls every agent-inter, which says the same thing and repairs what
// a failed push or a restart of HAProxy missed.
import { readFile } from 'node:fs/promises';
import { nodeNamed, servicesOnL7, type Site, type SiteNode } from '../../site/index.js';
import type { NetOp, RenderedFile } from '../../tiers/common/files.js';
import { applyNetOps } from '../../tiers/common/netops-apply.js';
import { execaRunner } from '../../tiers/common/runner.js';
import { renderAgentReply, type AgentReason, type AgentState } from '../../tiers/backend/index.js';
import { haproxyPaths, renderL7 } from '../../tiers/l7/index.js';
import { enablerView } from '../../tiers/l7/view-backends.js';
import { fileAgentCheckSource, startAgentCheckServer, type AgentCheckServer } from '../agentcheck/index.js';
import { installDaemonFiles } from '../apply/daemon-files.js';
import type { Role, RoleDeps, RoleStatus } from '../role.js';
import { enablerCommands, enablerStateOf, pushEnabler, type EnablerState } from './l7-enabler.js';
import { haproxyControl } from './l7-haproxy.js';
import { l7ServiceStatus, parseShowStat, type StatRow } from './l7-status.js';

export interface L7Plan {
  readonly config: string;
  readonly netOps: readonly NetOp[];
  readonly enabler: EnablerState;
  /**
   * The supervised master's pid: a restarted HAProxy makes the plan differ
   * from the last one applied, so the turn pushes the enabler state to it.
   */
  readonly master: number | null;
}

/** What the enabler says while the agent stops: the L4 nodes take this node out before HAProxy goes. */
const STOPPING: AgentState = { state: 'down', reason: 'tierlb agent stopping' as AgentReason };
/** How often the role looks for a restarted HAProxy and retries a failed step. */
const WATCH_MS = 200;
/** How often the servers' runtime states shown by `tierlb status` are refreshed. */
const STATS_MS = 1000;
/** A turn after a failed step that may succeed later (HAProxy starting, a socket busy). */
const RETRY_MS = 1000;
/** How long a turn waits for a (re)started HAProxy to answer before it gives up until the next one. */
const READY_MS = 5000;

export function l7Role(deps: RoleDeps): Role<L7Plan> {
  const { log } = deps;
  const paths = haproxyPaths(deps.node);
  const enabler = enablerView(deps.node);
  const haproxy = haproxyControl(paths, deps.supervisor, deps.clock, log);
  const source = fileAgentCheckSource(deps.node.agent.agentCheckFile, log);
  let stopping = false;
  let agentCheck: AgentCheckServer | undefined;
  let watchTimer: NodeJS.Timeout | undefined;
  let appliedNetOps: readonly NetOp[] | undefined;
  /** The haproxy.cfg the running master loaded; a new installed one means a reload. */
  let loaded: string | undefined;
  /** A config the checker or HAProxy refused: not tried again until the site changes it. */
  let refused: string | undefined;
  /** `master + state` last pushed successfully. */
  let pushed: string | undefined;
  let readyMaster: number | undefined;
  let plannedMaster: number | null | undefined;
  let retryAt: number | undefined;
  let stats: StatRow[] | undefined;
  let statsAt = 0;
  let statsBusy = false;

  const nodeIn = (site: Site): SiteNode => nodeNamed(site, deps.node.name) ?? deps.node;
  const installedConfig = (): Promise<string | undefined> => readFile(paths.config, 'utf8').catch(() => undefined);
  const retrySoon = (): void => { retryAt = deps.clock.now() + RETRY_MS; };

  const refreshStats = async (): Promise<void> => {
    if (statsBusy) return;
    statsBusy = true;
    try {
      const text = await haproxy.runtime.command('show stat -1 4 -1').catch(() => '');
      stats = haproxy.running() && text.startsWith('# ') ? parseShowStat(text) : undefined;
      statsAt = deps.clock.now();
    } finally {
      statsBusy = false;
    }
  };

  /** Runs between turns: a restarted HAProxy or a due retry asks for a turn. */
  const watch = (): void => {
    if (stopping) return;
    const master = haproxy.masterPid() ?? null;
    if (plannedMaster !== undefined && master !== plannedMaster) deps.kick(`haproxy master is now ${master ?? 'gone'}`);
    else if (retryAt !== undefined && deps.clock.now() >= retryAt) {
      retryAt = undefined;
      deps.kick('retry after a failed step');
    }
    if (deps.clock.now() - statsAt >= STATS_MS) void refreshStats();
  };

  /** Makes sure the running master answers before it is told anything; notes what a restarted one loaded. */
  const ensureReady = async (master: number): Promise<boolean> => {
    if (readyMaster === master) return true;
    if (!(await haproxy.waitReady(master, READY_MS))) {
      log.warn({ pid: master }, 'haproxy does not answer on its sockets yet');
      return false;
    }
    if (readyMaster !== undefined) log.info({ pid: master, previous: readyMaster }, 'haproxy was restarted; pushing the enabler state again');
    readyMaster = master;
    // A restarted master read the installed file, not what the last reload loaded.
    loaded = await installedConfig();
    return true;
  };

  const applyKernel = async (plan: L7Plan): Promise<boolean> => {
    if (appliedNetOps !== undefined && JSON.stringify(plan.netOps) === JSON.stringify(appliedNetOps)) return true;
    const results = await applyNetOps(execaRunner, plan.netOps, appliedNetOps ?? []);
    const failed = results.filter((r) => r.status === 'failed');
    for (const r of failed) log.warn({ op: r.op, action: r.action, error: r.error }, 'kernel operation failed');
    // Without the ipip module (a host kernel, a lab) tunl0 and its sysctl fail
    // and nothing can fix them here: only a missing VIP address stops the node
    // from serving, so only those are retried.
    const addressesFailed = failed.some((r) => r.op.kind === 'address');
    if (!addressesFailed) appliedNetOps = plan.netOps;
    return !addressesFailed;
  };

  /** Installs the rendered haproxy.cfg; false when it is not in place. */
  const installConfig = async (config: string): Promise<boolean> => {
    if (config === refused) return false;
    const files: RenderedFile[] = [{ name: 'haproxy.cfg', daemon: 'haproxy', content: config }];
    const result = await installDaemonFiles(deps, deps.node.agent.configDir, 'haproxy', files);
    if (result.kind === 'rejected') refused = config;
    return result.kind === 'installed' || result.kind === 'unchanged';
  };

  /** Reloads when the installed config is not the one HAProxy runs; true when they agree. */
  const reloadIfChanged = async (config: string): Promise<'same' | 'reloaded' | 'failed'> => {
    if (config === loaded) return 'same';
    const result = await haproxy.reload();
    deps.metrics.reloads.inc({ daemon: 'haproxy', result: result.kind });
    switch (result.kind) {
      case 'reloaded':
        log.info({ workers: result.workers, previous: result.previous, ms: result.ms }, 'haproxy reloaded; the previous workers finish their connections');
        loaded = config;
        return 'reloaded';
      case 'rejected':
        // The checker accepted it, so this is rare (a port taken, a missing file): the old workers keep serving.
        log.error({ ms: result.ms }, 'haproxy refused the new config on reload; the previous workers keep serving');
        refused = config;
        return 'failed';
      default:
        log.warn({ result }, 'haproxy reload did not complete');
        retrySoon();
        return 'failed';
    }
  };

  const push = async (plan: L7Plan, force: boolean): Promise<boolean> => {
    const key = JSON.stringify({ master: plan.master, state: plan.enabler });
    if (!force && key === pushed) return true;
    const start = deps.clock.now();
    const result = await pushEnabler(haproxy.runtime, enablerCommands(enabler.backend, enabler.server, plan.enabler));
    if (!result.ok) {
      log.warn({ command: result.command, answer: result.answer }, 'could not push the enabler state; the agent-check will carry it');
      retrySoon();
      return false;
    }
    pushed = key;
    log.info({ enabler: plan.enabler, ms: deps.clock.now() - start }, 'enabler state pushed to haproxy');
    // A restart of HAProxy reads the state file: keep it current, not as old as the last reload.
    const saved = await haproxy.saveState();
    if (saved !== undefined) log.warn({ problem: saved }, 'could not save the servers state');
    return true;
  };

  return {
    watched: [deps.node.agent.agentCheckFile],

    async start(site) {
      const node = nodeIn(site);
      const render = renderL7(site, node);
      await applyKernel({ config: '', netOps: render.netOps, enabler: enablerStateOf({ state: 'up' }), master: null });
      const config = render.files.find((f) => f.name === 'haproxy.cfg')?.content ?? '';
      if (!(await installConfig(config))) {
        if ((await installedConfig()) === undefined) {
          throw new Error(`cannot start haproxy: the rendered haproxy.cfg was refused and there is no earlier one at ${paths.config} (see the checker output above)`);
        }
        log.error({ config: paths.config }, 'starting haproxy with the last installed config: the new one was refused');
      }
      agentCheck = await startAgentCheckServer({
        host: '127.0.0.1', port: deps.node.agent.agentCheckPort, logger: log,
        read: () => (stopping ? renderAgentReply(STOPPING) : source.read()),
      });
      const adopted = await haproxy.start();
      loaded = await installedConfig();
      log.info({ adopted, servicesServed: servicesOnL7(site, node.name).map((s) => s.name), agentCheckPort: agentCheck.port }, 'haproxy started');
      watchTimer = setInterval(watch, WATCH_MS);
      watchTimer.unref();
    },

    async plan(site) {
      await source.read();
      const state = source.current()?.state ?? { state: 'up' };
      deps.metrics.maintenance.reset();
      deps.metrics.maintenance.set({ file: deps.node.agent.agentCheckFile, state: stopping ? 'stopping' : state.state }, 1);
      const render = renderL7(site, nodeIn(site));
      const master = haproxy.masterPid() ?? null;
      plannedMaster = master;
      return {
        config: render.files.find((f) => f.name === 'haproxy.cfg')?.content ?? '',
        netOps: render.netOps,
        enabler: enablerStateOf(stopping ? STOPPING : state),
        master,
      };
    },

    async apply(_site, plan) {
      let ok = await applyKernel(plan);
      const installed = await installConfig(plan.config);
      ok &&= installed;
      if (plan.master === null || !haproxy.running() || !(await ensureReady(plan.master))) {
        retrySoon();
        return false;
      }
      const reload = installed ? await reloadIfChanged(plan.config) : 'same';
      ok &&= reload !== 'failed';
      // A new worker reads the state file saved just before the reload; push anyway, it costs three commands.
      ok = (await push(plan, reload === 'reloaded')) && ok;
      void refreshStats();
      return ok;
    },

    status(site): RoleStatus {
      const d = source.current();
      const row = stats?.find((r) => r.backend === enabler.backend && r.server === enabler.server);
      const state = stopping ? 'down (agent stopping)' : d ? `${d.state.state} (${d.basis})` : 'not read yet';
      return {
        maintenance: [{
          file: deps.node.agent.agentCheckFile,
          state: `${state}; haproxy enabler ${row ? `${enablerStatusText(row.status)}, weight ${row.weight ?? '-'}` : 'unknown'}`,
          ...(d?.state.reason ? { reason: d.state.reason } : {}),
        }],
        services: l7ServiceStatus(site, nodeIn(site), stats),
      };
    },

    async stop(site) {
      stopping = true;
      if (watchTimer) clearInterval(watchTimer);
      const drainMs = site.bgp.drainTime.ms;
      if (haproxy.running()) {
        const down = await pushEnabler(haproxy.runtime, enablerCommands(enabler.backend, enabler.server, enablerStateOf(STOPPING)));
        if (!down.ok) log.warn({ command: down.command, answer: down.answer }, 'could not push enabler down; the agent-check answers down from now on');
        log.info({ drainMs }, 'planned stop: enabler down, waiting for the L4 nodes to move new flows away');
        await deps.clock.sleep(drainMs);
        const graceMs = softStopGraceMs(site, nodeIn(site));
        const result = await haproxy.softStop(graceMs);
        log.info({ result, graceMs }, 'haproxy stopped');
      }
      await agentCheck?.close();
      agentCheck = undefined;
    },
  };
}

/** The enabler has no health check, so HAProxy prints an up one as `no check`. */
const enablerStatusText = (status: string): string => (status === 'no check' ? 'UP' : status);

/**
 * How long the old workers may take to finish their connections on a planned
 * stop before SIGTERM cuts them: the longest idle timeout of the node's
 * services, so only a connection that keeps transferring past it is cut.
 */
export function softStopGraceMs(site: Site, node: SiteNode): number {
  const timeouts = servicesOnL7(site, node.name).flatMap((s) => [s.l7.timeouts.client.ms, s.l7.timeouts.server.ms]);
  return Math.max(5000, ...timeouts);
}
