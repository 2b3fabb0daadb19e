// The lines between the bench and a speaker node (speaker-node.ts), one JSON
// object a line: the bench asks for a whole announced set, the node answers
// when its speaker took it (or why not), with both instants on its clock
// (ms since the epoch, sub-ms). Pure.
import { toIp } from '../../site/index.js';
import type { Announcement } from '../../tiers/ecmp/index.js';

export type SpeakerRequest =
  | { readonly id: number; readonly kind: 'set'; readonly set: readonly Announcement[] }
  | { readonly id: number; readonly kind: 'stop' };

export interface SpeakerAnswer {
  readonly id: number;
  readonly began: number;
  readonly answered: number;
  /** Why the speaker does not hold the set; absent when it does. */
  readonly error?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAnnouncement = (v: unknown): v is { vip: string; gracefulShutdown: boolean } => isObject(v) && typeof v.vip === 'string' && typeof v.gracefulShutdown === 'boolean';

/** The request on a line; undefined for anything else, an address that is not one included. */
export function readRequest(line: string): SpeakerRequest | undefined {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return undefined; }
  if (!isObject(v) || typeof v.id !== 'number') return undefined;
  if (v.kind === 'stop') return { id: v.id, kind: 'stop' };
  if (v.kind !== 'set' || !Array.isArray(v.set) || !v.set.every(isAnnouncement)) return undefined;
  const set: Announcement[] = [];
  for (const a of v.set) {
    const vip = toIp(a.vip);
    if (!vip.ok) return undefined;
    set.push({ vip: vip.value, gracefulShutdown: a.gracefulShutdown });
  }
  return { id: v.id, kind: 'set', set };
}

export function readAnswer(line: string): SpeakerAnswer | undefined {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return undefined; }
  if (!isObject(v) || typeof v.id !== 'number' || typeof v.began !== 'number' || typeof v.answered !== 'number') return undefined;
  if (v.error !== undefined && typeof v.error !== 'string') return undefined;
  return { id: v.id, began: v.began, answered: v.answered, ...(typeof v.error === 'string' ? { error: v.error } : {}) };
}
