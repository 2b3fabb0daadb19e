// A backend server's agent: it serves HAProxy's agent-check from the node's
// agent-check file on each of the node's addresses. The plan is where to
// listen; the listener set owns the sockets. When the agent-check port or an
// address changes, the new one is bound at once and the old one keeps
// answering for AGENT_CHECK_LINGER_MS: every L7 node's HAProxy moves to the
// new port at its own reload, and until it has, it still asks the old one.
import { nodeNamed, type Site, type SiteNode } from '../../site/index.js';
import type { AgentReply } from '../../tiers/backend/index.js';
import { fileAgentCheckSource, startAgentCheckServer } from '../agentcheck/index.js';
import { ListenerSet, type Endpoint, type Opener } from '../apply/listeners.js';
import { Timers } from '../loop/timers.js';
import { RoleStartError, type Role, type RoleDeps, type RoleStatus } from '../role.js';
import { agentDecisionWithFleet, fleetWordOf, nextFleetExpiry } from '../../fleet/precedence.js';
import { showMaintenanceState } from '../observe/maintenance-metric.js';

export interface BackendPlan {
  readonly listen: readonly Endpoint[];
}

/** Long enough for every L7 node to take a site edit (config management rolls it out node by node). */
export const AGENT_CHECK_LINGER_MS = 10 * 60 * 1000;
const RETRY_MS = 1000;

export function planBackend(node: SiteNode): BackendPlan {
  const addresses = [node.addresses.ipv4, node.addresses.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined);
  return { listen: addresses.map((host) => ({ host, port: node.agent.agentCheckPort })) };
}

export type AgentCheckOpener = (read: () => Promise<AgentReply>) => Opener;

/** The names etcd may hold for this node: its own and those of the pool servers it runs. */
export function fleetNamesOf(site: Site, node: string): string[] {
  return [node, ...site.pools.flatMap((p) => p.servers.filter((s) => s.node === node).map((s) => s.name as string))];
}

export function backendRole(deps: RoleDeps, open?: AgentCheckOpener): Role<BackendPlan> {
  let names: readonly string[] = [deps.node.name];
  // etcd's word where the file is absent: what the L7 nodes pushed, the agent-check confirms.
  const source = fileAgentCheckSource(deps.node.agent.agentCheckFile, deps.log, undefined,
    (d) => agentDecisionWithFleet(d, fleetWordOf(deps.fleet?.(), names, deps.clock.now()), 'server'));
  const read = (): Promise<AgentReply> => source.read();
  const opener = open ?? ((r) => (e: Endpoint) => startAgentCheckServer({ host: e.host, port: e.port, read: r, logger: deps.log, metrics: deps.metrics }));
  const listeners = new ListenerSet(opener(read), deps.clock, AGENT_CHECK_LINGER_MS);
  const timers = new Timers(deps.clock, (reason) => void deps.kick(reason, { repair: true }));
  const nodeIn = (site: Site): SiteNode => nodeNamed(site, deps.node.name) ?? deps.node;

  const apply = async (plan: BackendPlan): Promise<boolean> => {
    const before = listeners.endpoints().map((e) => `${e.host}:${e.port}`).join(' ');
    const r = await listeners.apply(plan.listen);
    for (const e of r.errors) deps.log.error(`agent-check: ${e}`);
    timers.wakeAt('agent-check listener linger', r.wakeAt);
    if (!r.ok) timers.retry(RETRY_MS);
    const after = listeners.endpoints().map((e) => `${e.host}:${e.port}`).join(' ');
    if (after !== before) deps.log.info({ listening: after, file: deps.node.agent.agentCheckFile }, 'serving agent-check');
    return r.ok;
  };

  return {
    watched: [deps.node.agent.agentCheckFile],
    async start(site) {
      const r = await listeners.apply(planBackend(nodeIn(site)).listen);
      if (!r.ok) throw new RoleStartError(`cannot serve agent-check: ${r.errors.join('; ')}`);
      deps.log.info({ listening: listeners.endpoints(), file: deps.node.agent.agentCheckFile }, 'serving agent-check');
    },
    async plan(site) {
      names = fleetNamesOf(site, deps.node.name);
      timers.wakeAt('fleet state expiry', nextFleetExpiry(deps.fleet?.(), names, deps.clock.now()));
      // Read on a change of the file so the log and status show it at once,
      // not at HAProxy's next check.
      await source.read();
      showMaintenanceState(deps.metrics, deps.node.agent.agentCheckFile, source.current()?.state.state ?? 'up');
      return planBackend(nodeIn(site));
    },
    apply: (_site, plan) => apply(plan),
    status(): RoleStatus {
      const d = source.current();
      return {
        maintenance: [{ file: deps.node.agent.agentCheckFile, state: d ? `${d.state.state} (${d.basis})` : 'not read yet', ...(d?.state.reason ? { reason: d.state.reason } : {}) }],
        services: [],
        notes: [`agent-check listening on ${listeners.endpoints().map((e) => `${e.host}:${e.port}`).join(', ') || 'nothing'}`],
      };
    },
    async stop() {
      timers.clear();
      await listeners.closeAll();
    },
  };
}
