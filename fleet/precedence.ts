// Who decides a node's state, in order: the local maintenance file on that
// node (an operator on a host in trouble must not depend on etcd), then the
// fleet state in etcd, then health. A file that is present decides, even when
// it says `up`; only an absent file leaves the decision to etcd. Pure.
import { renderAgentReply, toAgentReason, type AgentDecision, type AgentState, type DisableState, type WeightPercent } from '../tiers/backend/index.js';
import { expiresAfter, pooledAt, RESTRICTION, type PoolRecord, type Pooled } from './record.js';
import type { FleetView } from './store.js';

/** The fleet's word on one node: the record that decided it, when it is not plainly pooled. */
export interface FleetWord {
  readonly name: string;
  readonly pooled: Pooled;
  readonly record?: PoolRecord;
}


/**
 * The most restrictive state among `names` at `now` (a backend node answers
 * for every server it runs); expired records count as pooled.
 */
export function fleetWordOf(view: FleetView | undefined, names: readonly string[], now: number): FleetWord | undefined {
  if (!view) return undefined;
  let word: FleetWord | undefined;
  for (const name of names) {
    const candidate = wordOf(name, view.records.get(name), now);
    const stricter = !word || RESTRICTION[candidate.pooled] > RESTRICTION[word.pooled];
    const sameButSays = word !== undefined && candidate.pooled === word.pooled && candidate.record !== undefined && word.record === undefined;
    if (stricter || sameButSays) word = candidate;
  }
  return word;
}

/** A record counts while it has not expired; a pooled one only says something when it sets a weight. */
function wordOf(name: string, record: PoolRecord | undefined, now: number): FleetWord {
  const pooled = pooledAt(record, now);
  const live = record !== undefined && pooled === record.pooled && (pooled !== 'yes' || record.weight !== undefined);
  return { name, pooled, ...(live ? { record } : {}) };
}

/** What a status line and a reason carry: why, who, until when. */
export function fleetReason(w: FleetWord): string {
  const r = w.record;
  if (!r) return 'etcd: pooled';
  const until = r.expires !== undefined ? ` until ${r.expires}` : '';
  return `etcd ${w.pooled === 'yes' ? 'weight' : w.pooled}: ${r.reason} (${r.who}, ${r.when}${until})`;
}

/** An L4 node: its disable file, if present, else etcd (drain withdraws an L4 node as no does). */
export function disableWithFleet(file: DisableState, word: FleetWord | undefined): { readonly state: DisableState; readonly source: 'file' | 'etcd' } {
  if (file.state === 'disabled' || !word || word.pooled === 'yes') return { state: file, source: 'file' };
  const expires = word.record?.expires;
  return {
    state: { state: 'disabled', reason: fleetReason(word), warnings: [], ...(expires !== undefined ? { expires: new Date(expires) } : {}) },
    source: 'etcd',
  };
}

/**
 * Whom an agent-check answer is for: an L7 node's enabler (no is down: the
 * L4 nodes stop sending it new flows, which IPVS keeps going anyway) or a
 * backend server (no is drain too: HAProxy then keeps the connections and
 * persistent sessions the server holds, where down would let a
 * `shutdown-sessions` or a health check cut them).
 */
export type AgentCheckFor = 'l7 node' | 'server';

/** The agent-check state etcd asks for: drain stays drain, no is down (an L7 node) or drain (a server), a weight is a percent of the configured one. */
export function agentStateOfFleet(word: FleetWord, of: AgentCheckFor): AgentState {
  const reason = toAgentReason(fleetReason(word));
  const weight = word.record?.weight as WeightPercent | undefined;
  const state = word.pooled === 'no' ? (of === 'server' ? 'drain' : 'down') : word.pooled === 'drain' ? 'drain' : 'up';
  return { state, ...(weight !== undefined && state === 'up' ? { weight } : {}), ...(reason !== undefined ? { reason } : {}) };
}

/** An agent-check answer: the file's when it is there (or was and could not be read), else etcd's. */
export function agentDecisionWithFleet(file: AgentDecision, word: FleetWord | undefined, of: AgentCheckFor): AgentDecision {
  if (file.basis !== 'absent' || !word || (word.pooled === 'yes' && !word.record)) return file;
  const state = agentStateOfFleet(word, of);
  return { state, reply: renderAgentReply(state), basis: 'etcd', warnings: [] };
}

/** The servers among `names` that etcd drains, depools or weighs at `now`. */
export function serverWordsOf(view: FleetView | undefined, names: readonly string[], now: number): Map<string, { readonly pooled: Pooled; readonly weight?: number }> {
  const words = new Map<string, { readonly pooled: Pooled; readonly weight?: number }>();
  for (const name of new Set(names)) {
    const w = fleetWordOf(view, [name], now);
    if (w?.record) words.set(name, { pooled: w.pooled, ...(w.record.weight !== undefined ? { weight: w.record.weight } : {}) });
  }
  return words;
}

/** The next instant one of `names`' records expires: the agent plans again then. */
export function nextFleetExpiry(view: FleetView | undefined, names: readonly string[], now: number): number | undefined {
  const times = names.map((n) => expiresAfter(view?.records.get(n), now)).filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
}
