// Which edits of a node's own agent settings the running agent cannot take:
// its folders and maintenance files are where its daemons, sockets and
// watches already live. Pure: the runtime says so in the log and in
// `tierlb status`; the rest of the edit is applied.
import type { AgentSettings } from '../../site/index.js';

const FIXED_AT_START = ['runDir', 'stateDir', 'configDir', 'disableFile', 'agentCheckFile'] as const;

/** One line per setting that differs from the one the agent started with. */
export function restartNeeded(started: AgentSettings, now: AgentSettings): string[] {
  return FIXED_AT_START.filter((key) => started[key] !== now[key])
    .map((key) => `agent.${key} changed from ${started[key]} to ${now[key]}: restart the agent to use it; it keeps ${started[key]}`);
}
