// The L7 node's own maintenance state, pushed into HAProxy's enabler server
// through the runtime API the moment the agent-check file changes. The
// agent-check (every agent-inter) says the same thing and stays as the backup
// path: it repairs a push that failed, and it is what a running HAProxy
// still obeys while no agent runs.
import { renderAgentReply, type AgentState } from '../../../tiers/backend/index.js';
import type { HaproxyCli } from '../../drivers/haproxy/daemon.js';

/** What HAProxy holds for one server, in the three fields an agent reply sets. */
export interface EnablerState {
  /** `agent up|down`: `set server ... agent` knows only these two; stopped and fail count as down. */
  readonly health: 'up' | 'down';
  readonly admin: 'ready' | 'drain' | 'maint';
  /** Percent of the configured weight: 0% makes the server unusable, like drain. */
  readonly weight: number;
}

/**
 * The same reading as the agent-check reply (renderAgentReply), so the push
 * and the next agent-check agree and never flap the server between them.
 */
export function enablerStateOf(s: AgentState): EnablerState {
  const [health, admin, weight] = renderAgentReply(s).trim().split(/[ #]+/);
  return {
    health: health === 'up' ? 'up' : 'down',
    admin: admin === 'drain' || admin === 'maint' ? admin : 'ready',
    weight: Number((weight ?? '100%').replace('%', '')),
  };
}

/**
 * The runtime API commands that put `server` of `backend` in `state`. Taking
 * the health down goes first and bringing it up goes last, so no monitor
 * check between two commands sees the server usable when it is not meant to be.
 */
export function enablerCommands(backend: string, server: string, state: EnablerState): string[] {
  const target = `${backend}/${server}`;
  const health = `set server ${target} agent ${state.health}`;
  const rest = [`set server ${target} state ${state.admin}`, `set server ${target} weight ${state.weight}%`];
  return state.health === 'down' ? [health, ...rest] : [...rest, health];
}

export type PushResult = { readonly ok: true } | { readonly ok: false; readonly command: string; readonly answer: string };

/** Sends the commands in order; HAProxy answers a successful `set server` with nothing but a newline. */
export async function pushEnabler(cli: HaproxyCli, commands: readonly string[]): Promise<PushResult> {
  for (const command of commands) {
    const answer = await cli.command(command).catch((e: unknown) => `error: ${e instanceof Error ? e.message : String(e)}`);
    if (answer.trim() !== '') return { ok: false, command, answer: answer.trim() };
  }
  return { ok: true };
}
