// The agent's runtime, the same for every role: load the site, start the
// role, watch the site file and the maintenance files, run the one-writer
// loop, serve status and metrics, and stop in order.
import { isDeepStrictEqual } from 'node:util';
import { Registry } from 'prom-client';
import { nodeNamed, type Site } from '../site/index.js';
import { restartNeeded } from './inputs/restart-needed.js';
import { SiteSource } from './inputs/site-source.js';
import { watchFiles, type FileWatch } from './inputs/watch.js';
import { OneWriter, type TurnOutcome } from './loop/one-writer.js';
import { createLogger, type Logger } from './observe/log.js';
import { createMetrics, type Metrics } from './observe/metrics.js';
import { observeTurn } from './observe/turn-metrics.js';
import { startStatusServer } from './observe/status-server.js';
import { timedKick } from './observe/reaction.js';
import { ServiceState } from './observe/service-state.js';
import { noServiceManager, type ServiceManagerPort } from './ports/service-manager.js';
import { ListenerSet, type Endpoint } from './apply/listeners.js';
import type { StatusReport } from './observe/status.js';
import { overridesOf, type AgentOptions } from './options.js';
import { systemClock } from './ports/clock.js';
import { RoleStartError, type Role } from './role.js';
import { createRole } from './roles/index.js';
import { Supervisor } from './supervise/supervisor.js';
import { DEFAULT_BACKOFF } from './supervise/backoff.js';
import { join } from 'node:path';
import { FleetFeed } from './inputs/fleet-feed.js';
import { fileSavedFleet } from './inputs/fleet-saved.js';
import { etcdFleetConnection } from './drivers/etcd/feed-connection.js';
import { StatusPublisher } from './drivers/etcd/status-publisher.js';
import { fleetStatusLine, logFleetChange, recordFleetMetrics } from './observe/fleet-status.js';
import type { FleetView } from '../fleet/store.js';

export interface RunningAgent {
  /** The port the status endpoint is bound to now (it follows the site file's listen address). */
  readonly statusPort: number;
  status(): StatusReport;
  /** Re-reads the site file, as SIGHUP asks: the service manager is told it reloads, and when it is done. */
  reloadSite(): Promise<void>;
  /** Planned stop: the role's drain sequence, then daemons, then the endpoint. */
  stop(): Promise<void>;
}

export class AgentStartError extends Error {
  readonly code = 'TIERLB_AGENT_START';
}

/** `serviceManager`: told when the agent is ready, reloads and stops (systemd's notify socket under systemd). */
export async function startAgent(opts: AgentOptions, log?: Logger, serviceManager: ServiceManagerPort = noServiceManager): Promise<RunningAgent> {
  const source = new SiteSource(opts.config, opts.node, overridesOf(opts));
  const first = await source.reload();
  if (first.kind === 'refused') throw new AgentStartError(`cannot start: ${first.issues.join('\n  ')}`);
  const site = (): Site => source.site as Site;
  const node = nodeNamed(site(), opts.node);
  if (!node) throw new AgentStartError(`node "${opts.node}" is not in ${opts.config}`);
  const logger = log ?? createLogger(node.name);
  const service = new ServiceState(serviceManager, node.role, logger);
  const metrics: Metrics = createMetrics(new Registry(), true);
  const supervisorEvents: { started: (name: string, pid: number) => void } = { started: () => undefined };
  const supervisor = new Supervisor(systemClock, (e) => {
    if (e.kind === 'started' || e.kind === 'adopted') supervisorEvents.started(e.name, e.pid);
    if (e.kind === 'output') logger.info({ daemon: e.name, stream: e.stream }, e.line);
    else logger.info({ daemon: e.name, event: e }, `daemon ${e.name} ${e.kind}`);
    if (e.kind === 'exited' && e.restartInMs !== null) metrics.restarts.inc({ daemon: e.name });
  }, DEFAULT_BACKOFF, join(node.agent.stateDir, 'logs'));
  let lastTurn: StatusReport['lastTurn'];
  const kickRef: { kick: (reason: string, opts?: { repair?: boolean }) => Promise<void> } = { kick: () => Promise.resolve() };
  const fleet = fleetFeedOf(node.agent.stateDir, logger, metrics, (reason) => void kickRef.kick(reason));
  const role: Role<unknown> = createRole(node.role, {
    node, log: logger.child({ role: node.role }), metrics, clock: systemClock, supervisor,
    kick: (reason, opts) => kickRef.kick(reason, opts),
    fleet: () => fleet.current(),
  });
  let restart: string[] = [];
  const noteRestartNeeded = (): void => {
    const now = restartNeeded(node.agent, nodeNamed(site(), node.name)?.agent ?? node.agent);
    for (const line of now.filter((l) => !restart.includes(l))) logger.warn(`restart needed: ${line}`);
    restart = now;
  };
  const status = (): StatusReport => {
    const r = role.status(site());
    const fleetLine = fleetStatusLine(fleet.current(), site().etcd?.endpoints ?? [], systemClock.now());
    const notes = [...(r.notes ?? []), ...(fleetLine !== undefined ? [fleetLine] : []), ...restart.map((l) => `restart needed: ${l}`)];
    return { node: node.name, role: node.role, site: site().name, ...r, ...(notes.length > 0 ? { notes } : {}), lastTurn, daemons: supervisor.list() };
  };
  const freshStatus = async (): Promise<StatusReport> => {
    await role.refreshStatus?.().catch((err: unknown) => logger.debug({ err }, 'status: daemon state not read'));
    return status();
  };
  const publisher = new StatusPublisher(node.name, freshStatus);
  // The status endpoint follows the site's listen address: a new one is bound before the old one closes.
  const statusListeners = new ListenerSet((e) => startStatusServer(e.host, e.port, freshStatus, metrics.registry), systemClock, 0);
  const writer = new OneWriter<AgentPlan>(
    {
      plan: async () => ({ role: await role.plan(site()), statusListen: statusListenOf(site(), node.name) }),
      same: isDeepStrictEqual,
      apply: async (p) => {
        const roleDone = await role.apply(site(), p.role);
        const listen = await statusListeners.apply([p.statusListen]);
        for (const e of listen.errors) logger.error({ listen: p.statusListen }, `status endpoint: ${e}; the previous one stays`);
        return roleDone && listen.ok;
      },
    },
    (outcome: TurnOutcome, reasons, error, timing) => {
      observeTurn(metrics, outcome, timing);
      lastTurn = { outcome, at: new Date(systemClock.now()).toISOString(), reasons: [...reasons] };
      // The periodic repair turns that find nothing to do are not news.
      const routine = outcome === 'applied' && reasons.every((r) => ROUTINE_REASONS.has(r));
      const level = outcome === 'error' || outcome === 'partial' ? 'warn' : routine ? 'debug' : 'info';
      logger[level]({ outcome, reasons, ...timing, ...(error !== undefined ? { err: error } : {}) }, `turn ${outcome}`);
      if (!routine) service.turned(outcome, reasons);
    },
  );
  kickRef.kick = (reason, opts) => writer.kick(reason, opts);

  /** Resolves with the reason when the site file was refused. */
  const reloadSite = async (): Promise<string | undefined> => {
    try {
      const r = await source.reload();
      if (r.kind === 'refused') {
        metrics.configRejected.inc({ stage: 'validate' });
        logger.error({ issues: r.issues }, `site file refused; the running state stays as it was: ${r.issues[0] ?? ''}`);
        return r.issues[0] ?? 'refused';
      } else if (r.kind === 'loaded') {
        noteRestartNeeded();
        await fleet.follow(site().etcd);
        publisher.follow(site().etcd);
        await writer.kick('site file changed');
      }
    } catch (err) {
      metrics.configRejected.inc({ stage: 'validate' });
      logger.error({ err }, 'site file reload failed; the running state stays as it was');
      return (err as Error).message;
    }
    return undefined;
  };

  // The last fleet state seen is there before the role's first plan: a restarted agent keeps a depool.
  await fleet.follow(site().etcd);
  try {
    await role.start(site());
  } catch (err) {
    if (!(err instanceof RoleStartError)) throw err;
    // Whatever the role started before it gave up goes with it: a second agent would find it holding ports.
    await supervisor.stopAll();
    await fleet.close();
    throw new AgentStartError(err.message, { cause: err });
  }
  // A daemon that (re)started holds nothing the appliers gave the one before it. (The first start is the start's own turn.)
  supervisorEvents.started = (name, pid) => void writer.kick(`${name} started (pid ${pid})`, { repair: true });
  const watch: FileWatch = await watchFiles([opts.config, ...role.watched], (path, kind) => {
    // The site file is read once it has settled: a refusal of a half-written
    // file would be logged and counted as an operator's mistake.
    if (path === opts.config) {
      if (kind === 'settled') void reloadSite();
    } else {
      // Timed from the first event of a change; the settled kick of the same change only makes sure it was read whole.
      if (kind === 'event') void timedKick((r) => kickRef.kick(r), (s) => metrics.maintenanceReaction.observe({ file: path }, s), systemClock)(`${path} changed`).catch(() => undefined);
      else void kickRef.kick(`${path} settled`);
    }
  });
  const listenAt = statusListenOf(site(), node.name);
  const bound = await statusListeners.apply([listenAt]);
  if (!bound.ok) {
    // Undo the start rather than leave a half-started agent holding its ports and daemons.
    await watch.close();
    await role.stop(site());
    await supervisor.stopAll();
    await statusListeners.closeAll();
    await fleet.close();
    throw new AgentStartError(`cannot start: ${bound.errors.join('; ')}`);
  }
  await writer.kick('start');
  publisher.follow(site().etcd);
  logger.info({ role: node.role, status: `${listenAt.host}:${statusListeners.portOf(listenAt) ?? listenAt.port}`, serviceManager: serviceManager.how }, 'agent started');
  service.ready();

  return {
    get statusPort() {
      return statusListeners.endpoints()[0]?.port ?? 0;
    },
    status,
    async reloadSite() {
      service.reloading();
      service.reloaded(await reloadSite());
    },
    async stop() {
      logger.info('planned stop');
      service.stopping();
      await watch.close();
      // The role's stop runs its drain through the writer; after it, nothing may act (a turn could re-announce).
      await role.stop(site());
      await writer.close();
      await supervisor.stopAll();
      await statusListeners.closeAll();
      publisher.close();
      await fleet.close();
    },
  };
}

/** The fleet feed of this agent: each new view is logged, counted and planned with. */
function fleetFeedOf(stateDir: string, logger: Logger, metrics: Metrics, kick: (reason: string) => void): FleetFeed {
  let last: FleetView | undefined;
  return new FleetFeed({
    connect: etcdFleetConnection,
    saved: fileSavedFleet(join(stateDir, 'fleet-state.json')),
    clock: systemClock,
    onView: (view) => {
      logFleetChange(logger, last, view);
      recordFleetMetrics(metrics, view, systemClock.now());
      const changed = JSON.stringify([...(last?.records ?? [])]) !== JSON.stringify([...(view?.records ?? [])]);
      last = view;
      if (changed) kick('fleet state changed');
    },
    onProblem: (what, why) => logger.warn({ why }, `${what}: ${why}`),
  });
}

interface AgentPlan {
  readonly role: unknown;
  readonly statusListen: Endpoint;
}

/** Kicks that come back on their own and rarely change anything. */
const ROUTINE_REASONS: ReadonlySet<string> = new Set(['IPVS drift check']);

function statusListenOf(site: Site, name: string): Endpoint {
  const listen = nodeNamed(site, name)?.agent.listen;
  return { host: listen?.address ?? '127.0.0.1', port: listen?.port ?? 0 };
}
