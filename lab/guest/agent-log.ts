// Reads an agent's log (pino JSON lines in the lab's log folder) for the
// instant it did something, on the same clock as the scenarios' own: the
// guest's. Splits a reaction into the agent's part and the rest.
import { readFileSync } from 'node:fs';
import type { LabEnv } from './env.js';

/** A log line: its epoch ms, its message and its other fields. */
export interface LoggedLine {
  readonly at: number;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Every JSON line of `node`'s agent log at or after `from`, in order; lines it cannot read are skipped. */
export function agentLines(env: LabEnv, node: string, from: number): LoggedLine[] {
  let text: string;
  try {
    text = readFileSync(`${env.logDir}/${node}.agent.log`, 'utf8');
  } catch {
    return [];
  }
  const out: LoggedLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const at = typeof entry.time === 'string' ? Date.parse(entry.time) : typeof entry.time === 'number' ? entry.time : NaN;
    if (Number.isFinite(at) && at >= from && typeof entry.msg === 'string') out.push({ at, msg: entry.msg, fields: entry });
  }
  return out;
}

/**
 * The agent's part of a reaction, from its log: when the turn that made the
 * speaker change began (the runtime logs how long the turn waited, planned and
 * applied), when it gave the change to the speaker and when the speaker had
 * taken it (the role logs speakerMs with the change). Undefined when the log
 * has no such change after `from`.
 */
export function speakerChange(env: LabEnv, node: string, from: number, prefix: string): { turnBegan?: number; speakerBegan: number; speakerDone: number } | undefined {
  const lines = agentLines(env, node, from);
  const i = lines.findIndex((l) => l.msg.startsWith(prefix));
  const change = lines[i];
  if (!change) return undefined;
  const ms = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  // The turn that made the change logs after it, and its apply began before it.
  const turn = lines.slice(i + 1).find((l) => /^turn (applied|partial|error)$/.test(l.msg));
  const began = turn ? turn.at - ms(turn.fields.applyMs) - ms(turn.fields.planMs) : undefined;
  const turnBegan = began !== undefined && began <= change.at ? began - from : undefined;
  return { ...(turnBegan !== undefined ? { turnBegan } : {}), speakerBegan: change.at - ms(change.fields.speakerMs) - from, speakerDone: change.at - from };
}

/** When `node`'s agent first logged a message starting with `prefix` at or after `from`; undefined if it has not. */
export function firstLogged(env: LabEnv, node: string, from: number, prefix: string): number | undefined {
  return agentLines(env, node, from).find((l) => l.msg.startsWith(prefix))?.at;
}
