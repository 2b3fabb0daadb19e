// The line the agent-check server sends. HAProxy keeps whatever the agent
// said last for every field the agent does not repeat ("only the agent may
// revert its own actions"), so every reply states all three fields — health,
// admin state and weight — and any reply undoes whatever an earlier one did.
import type { Brand } from '../../site/index.js';
import type { AgentState, AgentStateWord } from './agent-state.js';

/** One newline-terminated line of whitelisted words; only renderAgentReply makes it. */
export type AgentReply = Brand<string, 'AgentReply'>;

type Health = 'up' | 'down' | 'stopped' | 'fail';
type Admin = 'ready' | 'drain' | 'maint';

const FIELDS: Record<AgentStateWord, readonly [Health, Admin]> = {
  up: ['up', 'ready'],
  ready: ['up', 'ready'],
  drain: ['up', 'drain'],
  maint: ['up', 'maint'],
  // `ready` with a down state cancels an earlier drain or maint, so that a
  // later `up` brings the server straight back.
  down: ['down', 'ready'],
  stopped: ['stopped', 'ready'],
  fail: ['fail', 'ready'],
};

export function renderAgentReply(s: AgentState): AgentReply {
  const [health, admin] = FIELDS[s.state];
  const reason = s.reason === undefined ? '' : ` # ${s.reason}`;
  return `${health} ${admin} ${s.weight ?? 100}%${reason}\n` as AgentReply;
}
