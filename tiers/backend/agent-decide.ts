// What the agent-check server answers, given what reading the file gave and
// what it answered before. The rule: a typo, a half-written file or a broken
// disk never takes a server out of its pool, but anything an operator
// actually wrote — `down` included — is honoured on the next check.
import { type AgentState, parseAgentCheck } from './agent-state.js';
import { type AgentReply, renderAgentReply } from './agent-reply.js';
import type { MaintenanceFileRead } from './text.js';

/** No file means no maintenance: the server takes its full configured share. */
export const DEFAULT_AGENT_STATE: AgentState = { state: 'up' };

/**
 * Where the answer came from: `file` (what it says), `absent` (no file:
 * the default), `kept` (the file could not be used: the previous answer
 * stands), `fallback` (could not be used and there was none: the default),
 * `etcd` (no file: the fleet state in etcd decided).
 */
export type AgentBasis = 'file' | 'absent' | 'kept' | 'fallback' | 'etcd';

export interface AgentDecision {
  readonly state: AgentState;
  readonly reply: AgentReply;
  readonly basis: AgentBasis;
  readonly warnings: readonly string[];
}

const decision = (state: AgentState, basis: AgentBasis, warnings: readonly string[]): AgentDecision =>
  ({ state, reply: renderAgentReply(state), basis, warnings });

/**
 * Why an unusable file keeps the previous answer instead of saying `up` or
 * `down`: `echo drain > agent-check` truncates before it writes, so a check
 * can read an empty file in between; answering `up` then would let one
 * check's worth of new connections onto a draining server, and answering
 * `down` would turn every typo into an outage. With no previous answer (the
 * agent just started) the server is served `up`: an agent that cannot
 * understand its input must not be the reason a pool loses capacity.
 *
 * `previous` is the last state the file (or its absence) really gave, not a
 * fallback: the caller keeps it (see `goodStateOf`).
 */
export function decideAgentState(read: MaintenanceFileRead, previous: AgentState | undefined): AgentDecision {
  switch (read.kind) {
    case 'absent':
      return decision(DEFAULT_AGENT_STATE, 'absent', []);
    case 'unreadable':
      return unusable(`cannot read the file: ${read.problem}`, previous);
    case 'text': {
      const parsed = parseAgentCheck(read.text);
      return parsed.ok ? decision(parsed.state, 'file', parsed.warnings) : unusable(parsed.problem, previous);
    }
  }
}

function unusable(problem: string, previous: AgentState | undefined): AgentDecision {
  return previous === undefined
    ? decision(DEFAULT_AGENT_STATE, 'fallback', [`${problem}; answering up until the file is fixed`])
    : decision(previous, 'kept', [`${problem}; keeping the previous answer`]);
}

/** What to pass as `previous` next time: a fallback `up` was never the file's answer. */
export function goodStateOf(d: AgentDecision, previous: AgentState | undefined): AgentState | undefined {
  return d.basis === 'fallback' ? previous : d.state;
}
