// Backend maintenance inputs, pure: what /etc/lb/disable and
// /etc/lb/agent-check say, and the agent-check reply HAProxy reads.
export { MAX_MAINTENANCE_BYTES, type MaintenanceFileRead } from './text.js';
export { MAX_DISABLE_REASON, parseDisableFile, type DisableState } from './disable.js';
export {
  AGENT_STATES,
  MAX_REASON,
  parseAgentCheck,
  toAgentReason,
  toWeightPercent,
  type AgentCheckParse,
  type AgentReason,
  type AgentState,
  type AgentStateWord,
  type WeightPercent,
} from './agent-state.js';
export { renderAgentReply, type AgentReply } from './agent-reply.js';
export { DEFAULT_AGENT_STATE, decideAgentState, goodStateOf, type AgentBasis, type AgentDecision } from './agent-decide.js';
