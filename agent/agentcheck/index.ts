// The agent-check server a backend's agent runs, fed from /etc/lb/agent-check.
export {
  startAgentCheckServer,
  type AgentCheckLogger,
  type AgentCheckServer,
  type AgentCheckServerOptions,
} from './server.js';
export { fileAgentCheckSource, type AgentCheckSource } from './file-source.js';
