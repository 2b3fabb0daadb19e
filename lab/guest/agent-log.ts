// Reads an agent's log (pino JSON lines in the lab's log folder) for the
// instant it did something, on the same clock as the scenarios' own: the
// guest's. Splits a reaction into the agent's part and the rest.
import { readFileSync } from 'node:fs';
import type { LabEnv } from './env.js';

/** Epoch ms of the first line of `node`'s agent log at or after `from` whose message starts with `prefix`; undefined when none. */
export function agentLogged(env: LabEnv, node: string, from: number, prefix: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(`${env.logDir}/${node}.agent.log`, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { time?: unknown; msg?: unknown };
    try {
      entry = JSON.parse(line) as { time?: unknown; msg?: unknown };
    } catch {
      continue;
    }
    const at = typeof entry.time === 'string' ? Date.parse(entry.time) : typeof entry.time === 'number' ? entry.time : NaN;
    if (Number.isFinite(at) && at >= from && typeof entry.msg === 'string' && entry.msg.startsWith(prefix)) return at;
  }
  return undefined;
}
