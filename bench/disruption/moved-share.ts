// What the L4 nodes' connection tables say about the tuples of scenario
// `moved`: the L7 node each tuple's SYN was sent to, the entries a new SYN
// of the same tuple would reuse instead of going through the Maglev table,
// and the share of tuples another L7 node got after an edit. Pure.
import type { Family } from '../../site/index.js';
import { parseIpvsConnections } from '../../lab/guest/flow-explain.js';
import { toBigInt } from '../../lab/addr.js';
import type { MovedTable } from './moved-plan.js';
import { tupleKey, type Tuple } from './moved-tuples.js';
import type { MovedFlows } from './result.js';

/** One L4 node's `ipvsadm -Lnc`. */
export interface NodeConnections {
  readonly node: string;
  readonly text: string;
}

export interface Learned {
  /** Tuple key → the L7 node its SYN was sent to. */
  readonly choices: ReadonlyMap<string, string>;
  /** Tuples two L4 nodes sent to different L7 nodes: neither answer counts. */
  readonly conflicts: ReadonlySet<string>;
}

/** The entry of a SYN just sent: the handshake under way or done, the probe's connection still open. */
const CHOSEN = new Set(['SYN_RECV', 'ESTABLISHED']);

/**
 * The states a new SYN of the same tuple is scheduled afresh from
 * (is_new_conn_expected in net/netfilter/ipvs/ip_vs_core.c): TIME_WAIT and
 * CLOSE always, FIN_WAIT with bit 2 of conn_reuse_mode, which the L4 nodes
 * set (tiers/l4/sysctl.ts). From any other, the kernel reuses the entry and
 * its old real server.
 */
const RESCHEDULED = new Set(['CLOSE', 'TIME_WAIT', 'FIN_WAIT']);

function endpoint(text: string): { address: string; port: number } | undefined {
  const m = /^\[?([0-9a-fA-F:.]+?)\]?:(\d+)$/.exec(text);
  return m?.[1] && m[2] ? { address: m[1], port: Number(m[2]) } : undefined;
}

const familyOfAddress = (a: string): Family => (a.includes(':') ? 'ipv6' : 'ipv4');

/** Each entry of the sample's tuples to the measured VIP and port of their family, with the tuple's key. */
function* sampleEntries(tables: readonly NodeConnections[], tuples: readonly Tuple[], measured: readonly MovedTable[]) {
  const wanted = new Set(tuples.map((t) => tupleKey(t.family, t.client, t.port)));
  const vips = new Map(measured.map((m) => [m.family, { vip: toBigInt(m.vip), port: m.port }]));
  for (const t of tables) {
    for (const c of parseIpvsConnections(t.text)) {
      const client = endpoint(c.client);
      const virtual = endpoint(c.virtual);
      const destination = endpoint(c.destination);
      if (c.protocol !== 'TCP' || !client || !virtual || !destination) continue;
      const family = familyOfAddress(client.address);
      const vip = vips.get(family);
      const key = tupleKey(family, client.address, client.port);
      if (!vip || !wanted.has(key) || toBigInt(virtual.address) !== vip.vip || virtual.port !== vip.port) continue;
      yield { node: t.node, key, state: c.state, destination: destination.address };
    }
  }
}

/** The L7 node of each tuple whose SYN the L4 nodes hold; `nodeOf` names an L7 node by its address. */
export function learnedChoices(tables: readonly NodeConnections[], tuples: readonly Tuple[], measured: readonly MovedTable[], nodeOf: (address: string) => string): Learned {
  const choices = new Map<string, string>();
  const conflicts = new Set<string>();
  for (const e of sampleEntries(tables, tuples, measured)) {
    if (!CHOSEN.has(e.state)) continue;
    const l7 = nodeOf(e.destination);
    const was = choices.get(e.key);
    if (was !== undefined && was !== l7) conflicts.add(e.key);
    choices.set(e.key, l7);
  }
  for (const k of conflicts) choices.delete(k);
  return { choices, conflicts };
}

/** Tuples with an entry on some L4 node that a new SYN would reuse: their next answer would be the old one. */
export function staleTuples(tables: readonly NodeConnections[], tuples: readonly Tuple[], measured: readonly MovedTable[]): Set<string> {
  const out = new Set<string>();
  for (const e of sampleEntries(tables, tuples, measured)) if (!RESCHEDULED.has(e.state)) out.add(e.key);
  return out;
}

/** Tuples of `family` answered both times, and how many of them another L7 node got; `skip` are left out (stale before the second learn). */
export function movedShare(before: Learned, after: Learned, tuples: readonly Tuple[], family: Family, skip: ReadonlySet<string> = new Set()): { readonly tuples: number; readonly moved: number } {
  let seen = 0;
  let moved = 0;
  for (const t of tuples) {
    if (t.family !== family) continue;
    const key = tupleKey(t.family, t.client, t.port);
    const a = before.choices.get(key);
    const b = after.choices.get(key);
    if (a === undefined || b === undefined || skip.has(key)) continue;
    seen++;
    if (a !== b) moved++;
  }
  return { tuples: seen, moved };
}

/** Tuples of `family` whose learned L7 node differs from the model's, and a few of them. */
export function modelDisagreements(learned: Learned, model: ReadonlyMap<string, string>): { readonly count: number; readonly examples: readonly string[] } {
  const off = [...learned.choices].filter(([k, l7]) => model.has(k) && model.get(k) !== l7).map(([k, l7]) => `${k}: kernel ${l7}, model ${model.get(k) ?? '?'}`);
  return { count: off.length, examples: off.slice(0, 3) };
}

/** Of at least this many tuples: fewer make the sampling error alone close to the target (±0.9 pp at one standard deviation for a fifth moved, 2000 tuples). */
export const MIN_TUPLES = 2000;

/** One row of the comparison: measured against predicted, and whether they agree within `withinPp` on enough tuples. */
export function movedRow(edit: string, table: string, predictedPercent: number, modelOnTuplesPercent: number | null, share: { readonly tuples: number; readonly moved: number }, withinPp: number): MovedFlows {
  const measuredPercent = share.tuples > 0 ? (share.moved / share.tuples) * 100 : null;
  const differencePp = measuredPercent === null ? null : measuredPercent - predictedPercent;
  return {
    edit, table, predictedPercent, modelOnTuplesPercent, tuples: share.tuples, moved: share.moved, measuredPercent, differencePp, withinPp, minTuples: MIN_TUPLES,
    within: differencePp !== null && Math.abs(differencePp) <= withinPp && share.tuples >= MIN_TUPLES,
  };
}
