// A backend server's agent: it serves HAProxy's agent-check from the node's
// agent-check file on each of the node's addresses. HAProxy on every L7 node
// polls it, so the role has nothing to plan or apply.
import type { Site } from '../../site/index.js';
import { fileAgentCheckSource, startAgentCheckServer, type AgentCheckServer } from '../agentcheck/index.js';
import type { Role, RoleDeps, RoleStatus } from '../role.js';

export function backendRole(deps: RoleDeps): Role<null> {
  const source = fileAgentCheckSource(deps.node.agent.agentCheckFile, deps.log);
  const servers: AgentCheckServer[] = [];
  return {
    watched: [deps.node.agent.agentCheckFile],
    async start() {
      const addresses = [deps.node.addresses.ipv4, deps.node.addresses.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined);
      for (const host of addresses) {
        servers.push(await startAgentCheckServer({ host, port: deps.node.agent.agentCheckPort, read: () => source.read(), logger: deps.log }));
      }
      deps.log.info({ addresses, port: deps.node.agent.agentCheckPort, file: deps.node.agent.agentCheckFile }, 'serving agent-check');
    },
    async plan() {
      // Read on a change of the file so the log and status show it at once,
      // not at HAProxy's next check.
      await source.read();
      return null;
    },
    async apply() {
      return true;
    },
    status(_site: Site): RoleStatus {
      const d = source.current();
      return {
        maintenance: [{ file: deps.node.agent.agentCheckFile, state: d ? `${d.state.state} (${d.basis})` : 'not read yet', ...(d?.state.reason ? { reason: d.state.reason } : {}) }],
        services: [],
      };
    },
    async stop() {
      for (const s of servers.splice(0)) await s.close();
    },
  };
}
