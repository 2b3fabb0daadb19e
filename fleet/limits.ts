// The site's safety limits on a change of the fleet state, as a pure
// predicate over the state read in the change's transaction. Drain and no
// both count as out. Only a limit the change makes worse is checked: a site
// already past a limit (a forced change, an edited limit) can still take
// nodes back and change nodes that are already out. The local maintenance
// files on the nodes are not known here; the limits count what etcd says.
import { nodesWithRole, servicesOnL7, type EtcdLimits, type Site, type Token } from '../site/index.js';
import type { PoolRecord, Pooled } from './record.js';
import { isOut, serverOutBy, serverState, stateOf, withState, type FleetStates } from './states.js';
import type { FleetTarget } from './targets.js';

export interface FleetState {
  readonly states: FleetStates;
  /** For who and why of the names already out. */
  readonly records: ReadonlyMap<string, PoolRecord>;
}

export interface LimitChange {
  readonly target: FleetTarget;
  readonly to: Pooled;
}

export interface BrokenLimit {
  /** The site key of the limit: `etcd.limits.maxL4Withdrawn`. */
  readonly limit: string;
  /** Short, for the record's `forced`: `2 of 3 L4 nodes out, at most 1`. */
  readonly summary: string;
  /** The whole sentence, naming the others already out. */
  readonly text: string;
}

/** Shares are compared with a little slack: 0.5 of 4 is 2, not 1.9999. */
const SLACK = 1e-9;

export function checkLimits(site: Site, limits: EtcdLimits, fleet: FleetState, change: LimitChange): BrokenLimit[] {
  if (!isOut(change.to)) return [];
  const after = withState(fleet.states, change.target.name, change.to);
  switch (change.target.kind) {
    case 'l4': return l4Limit(site, limits, fleet, after, change.target.name);
    case 'l7': return l7Limits(site, limits, fleet, after, change.target.name);
    case 'server': return serverLimits(site, limits, fleet, after, change.target);
  }
}

function l4Limit(site: Site, limits: EtcdLimits, fleet: FleetState, after: FleetStates, name: Token): BrokenLimit[] {
  const nodes = nodesWithRole(site, 'l4').map((n) => n.name);
  const outBefore = nodes.filter((n) => isOut(stateOf(fleet.states, n)));
  const outAfter = nodes.filter((n) => isOut(stateOf(after, n)));
  if (outAfter.length <= outBefore.length || outAfter.length <= limits.maxL4Withdrawn) return [];
  const summary = `${outAfter.length} of ${nodes.length} L4 nodes out, at most ${limits.maxL4Withdrawn}`;
  return [broken('maxL4Withdrawn', summary, `${name} would make ${summary}`, othersOut(fleet, outBefore))];
}

function l7Limits(site: Site, limits: EtcdLimits, fleet: FleetState, after: FleetStates, name: Token): BrokenLimit[] {
  return servicesOnL7(site, name).flatMap((service) => {
    const nodes = service.l7.nodes;
    const outBefore = nodes.filter((n) => isOut(stateOf(fleet.states, n)));
    const outAfter = nodes.filter((n) => isOut(stateOf(after, n)));
    if (outAfter.length <= outBefore.length || outAfter.length <= limits.maxL7DepooledShare * nodes.length + SLACK) return [];
    const summary = `service ${service.name}: ${outAfter.length} of ${nodes.length} L7 nodes out (${percent(outAfter.length, nodes.length)}), at most ${percent(limits.maxL7DepooledShare, 1)}`;
    return [broken('maxL7DepooledShare', summary, `${name} would leave ${summary}`, othersOut(fleet, outBefore))];
  });
}

function serverLimits(site: Site, limits: EtcdLimits, fleet: FleetState, after: FleetStates, target: FleetTarget): BrokenLimit[] {
  const pools = site.pools.filter((p) => target.servers.some((e) => e.pool === p.name));
  return pools.flatMap((pool) => {
    const total = pool.servers.length;
    const before = pool.servers.filter((s) => !isOut(serverState(fleet.states, s))).length;
    const pooledAfter = pool.servers.filter((s) => !isOut(serverState(after, s))).length;
    if (pooledAfter >= before || pooledAfter + SLACK >= limits.depoolThreshold * total) return [];
    const summary = `pool ${pool.name}: ${pooledAfter} of ${total} servers pooled (${percent(pooledAfter, total)}), at least ${percent(limits.depoolThreshold, 1)}`;
    const out = pool.servers.filter((s) => isOut(serverState(fleet.states, s)));
    const others = out.map((s) => {
      const by = serverOutBy(fleet.states, s);
      return outText(fleet, by, by === s.name ? by : `${s.name} on node ${by}`);
    });
    return [broken('depoolThreshold', summary, `${target.name} would leave ${summary}`, alreadyOut(others))];
  });
}

function broken(key: keyof EtcdLimits, summary: string, sentence: string, others: string): BrokenLimit {
  const limit = `etcd.limits.${key}`;
  return { limit, summary, text: `${limit}: ${sentence}${others}` };
}

function othersOut(fleet: FleetState, names: readonly string[]): string {
  return alreadyOut(names.map((n) => outText(fleet, n)));
}

const alreadyOut = (texts: readonly string[]): string => (texts.length > 0 ? `; already out: ${texts.join(', ')}` : '');

/** `l4-2 (no by alice@host: kernel upgrade)`: what an operator needs to ask the right person. */
export function outText(fleet: FleetState, name: string, label = name): string {
  const record = fleet.records.get(name);
  const state = stateOf(fleet.states, name);
  if (!record) return `${label} (${state})`;
  const why = record.reason === '' ? '' : `: ${record.reason}`;
  return `${label} (${state} by ${record.who}${why})`;
}

export const percent = (part: number, whole: number): string => `${Math.round((part / whole) * 100)}%`;
