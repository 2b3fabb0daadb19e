// Reads an agent's log (pino JSON lines in the lab's log folder) for the
// instant it did something, on the same clock as the scenarios' own: the
// guest's. Splits a reaction into the agent's part and the rest.
//
// The benches ask every 50 ms while the agents react, on the lab's one CPU:
// each log is read from where the last call stopped and each line parsed
// once. Reading and parsing whole logs (hundreds of kB by the end of a
// bench) on every poll took the CPU the agents react with.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { LabEnv } from './env.js';

/** A log line: its epoch ms, its message and its other fields. */
export interface LoggedLine {
  readonly at: number;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

interface Followed {
  offset: number;
  /** Bytes after the last newline: a line the agent is still writing. */
  partial: Buffer;
  readonly lines: LoggedLine[];
}

const followed = new Map<string, Followed>();

/** Every JSON line of `node`'s agent log at or after `from`, in order; lines it cannot read are skipped. */
export function agentLines(env: LabEnv, node: string, from: number): LoggedLine[] {
  const lines = follow(`${env.logDir}/${node}.agent.log`);
  return lines.filter((l) => l.at >= from);
}

/** The file's lines so far: the cached ones, and those written since. A file that shrank was replaced: read anew. */
function follow(path: string): readonly LoggedLine[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    followed.delete(path);
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    let f = followed.get(path);
    if (!f || size < f.offset) {
      f = { offset: 0, partial: Buffer.alloc(0), lines: [] };
      followed.set(path, f);
    }
    if (size === f.offset) return f.lines;
    const fresh = Buffer.alloc(size - f.offset);
    const got = readSync(fd, fresh, 0, fresh.length, f.offset);
    f.offset += got;
    const text = Buffer.concat([f.partial, fresh.subarray(0, got)]);
    const end = text.lastIndexOf(0x0a);
    if (end >= 0) for (const line of text.subarray(0, end).toString('utf8').split('\n')) pushLine(f.lines, line);
    // A last line without its newline is taken once it reads whole (a file that does not end in one); until then it waits for the rest.
    const tail = text.subarray(end + 1);
    f.partial = tail.length > 0 && !pushLine(f.lines, tail.toString('utf8')) ? Buffer.from(tail) : Buffer.alloc(0);
    return f.lines;
  } finally {
    closeSync(fd);
  }
}

/** Adds the line if it is a whole log entry; false when it does not parse (not JSON, or not all written yet). */
function pushLine(out: LoggedLine[], line: string): boolean {
  if (!line.startsWith('{')) return false;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return false;
  }
  const at = typeof entry.time === 'string' ? Date.parse(entry.time) : typeof entry.time === 'number' ? entry.time : NaN;
  if (Number.isFinite(at) && typeof entry.msg === 'string') out.push({ at, msg: entry.msg, fields: entry });
  return true;
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
