// The agent's runtime, the same for every role: load the site, start the
// role, watch the site file and the maintenance files, run the one-writer
// loop, serve status and metrics, and stop in order.
import { Registry } from 'prom-client';
import { nodeNamed, type Site } from '../site/index.js';
import { SiteSource } from './inputs/site-source.js';
import { watchFiles, type FileWatch } from './inputs/watch.js';
import { OneWriter, type TurnOutcome } from './loop/one-writer.js';
import { createLogger, type Logger } from './observe/log.js';
import { createMetrics, type Metrics } from './observe/metrics.js';
import { startStatusServer, type StatusEndpoint } from './observe/status-server.js';
import type { StatusReport } from './observe/status.js';
import { overridesOf, type AgentOptions } from './options.js';
import { systemClock } from './ports/clock.js';
import type { Role } from './role.js';
import { createRole } from './roles/index.js';
import { Supervisor } from './supervise/supervisor.js';
import { DEFAULT_BACKOFF } from './supervise/backoff.js';
import { join } from 'node:path';

export interface RunningAgent {
  readonly statusPort: number;
  status(): StatusReport;
  /** Re-reads the site file (SIGHUP does this too). */
  reloadSite(): Promise<void>;
  /** Planned stop: the role's drain sequence, then daemons, then the endpoint. */
  stop(): Promise<void>;
}

export class AgentStartError extends Error {
  readonly code = 'TIERLB_AGENT_START';
}

export async function startAgent(opts: AgentOptions, log?: Logger): Promise<RunningAgent> {
  const source = new SiteSource(opts.config, opts.node, overridesOf(opts));
  const first = await source.reload();
  if (first.kind === 'refused') throw new AgentStartError(`cannot start: ${first.issues.join('\n  ')}`);
  const site = (): Site => source.site as Site;
  const node = nodeNamed(site(), opts.node);
  if (!node) throw new AgentStartError(`node "${opts.node}" is not in ${opts.config}`);
  const logger = log ?? createLogger(node.name);
  const metrics: Metrics = createMetrics(new Registry(), true);
  const supervisor = new Supervisor(systemClock, (e) => {
    if (e.kind === 'output') logger.info({ daemon: e.name, stream: e.stream }, e.line);
    else logger.info({ daemon: e.name, event: e }, `daemon ${e.name} ${e.kind}`);
    if (e.kind === 'exited' && e.restartInMs !== null) metrics.restarts.inc({ daemon: e.name });
  }, DEFAULT_BACKOFF, join(node.agent.stateDir, 'logs'));
  let lastTurn: StatusReport['lastTurn'];
  const kickRef: { kick: (reason: string) => void } = { kick: () => undefined };
  const role: Role<unknown> = createRole(node.role, {
    node, log: logger.child({ role: node.role }), metrics, clock: systemClock, supervisor,
    kick: (reason) => kickRef.kick(reason),
  });
  const writer = new OneWriter<unknown>(
    { plan: () => role.plan(site()), same: (a, b) => JSON.stringify(a) === JSON.stringify(b), apply: (p) => role.apply(site(), p) },
    (outcome: TurnOutcome, reasons, error, timing) => {
      metrics.turns.inc({ outcome });
      lastTurn = { outcome, at: new Date(systemClock.now()).toISOString(), reasons: [...reasons] };
      const level = outcome === 'error' || outcome === 'partial' ? 'warn' : 'info';
      logger[level]({ outcome, reasons, ...timing, ...(error !== undefined ? { err: error } : {}) }, `turn ${outcome}`);
    },
  );
  kickRef.kick = (reason) => void writer.kick(reason);

  const reloadSite = async (): Promise<void> => {
    const r = await source.reload();
    if (r.kind === 'refused') {
      metrics.configRejected.inc({ stage: 'validate' });
      logger.error({ issues: r.issues }, 'site file refused; the running state stays as it was');
    } else if (r.kind === 'loaded') {
      kickRef.kick('site file changed');
    }
  };

  await role.start(site());
  const watch: FileWatch = await watchFiles([opts.config, ...role.watched], (path, kind) => {
    // The site file is read once it has settled: a refusal of a half-written
    // file would be logged and counted as an operator's mistake.
    if (path === opts.config) {
      if (kind === 'settled') void reloadSite();
    } else {
      kickRef.kick(kind === 'event' ? `${path} changed` : `${path} settled`);
    }
  });
  const status = (): StatusReport => ({
    node: node.name, role: node.role, site: site().name, ...role.status(site()), lastTurn,
    daemons: supervisor.list(),
  });
  const endpoint: StatusEndpoint = await startStatusServer(node.agent.listen.address, node.agent.listen.port, status, metrics.registry);
  await writer.kick('start');
  logger.info({ role: node.role, status: `${node.agent.listen.address}:${endpoint.port}` }, 'agent started');

  return {
    statusPort: endpoint.port,
    status,
    reloadSite,
    async stop() {
      logger.info('planned stop');
      await watch.close();
      await role.stop(site());
      await supervisor.stopAll();
      await endpoint.close();
    },
  };
}
