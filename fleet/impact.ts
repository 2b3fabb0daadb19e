// What the site will do once a change is in, as lines for the operator:
// which VIPs an L4 node stops or starts announcing and how many L4 nodes
// still announce them, how many L7 nodes of each service take new
// connections, how many servers of each pool stay pooled. Counted from the
// fleet state in etcd with the change applied; health checks and the local
// maintenance files can take more out. Pure.
import { nodesWithRole, servicesOnL7, type Site, type Token } from '../site/index.js';
import { isOut, serverState, stateOf, withState, type FleetStates } from './states.js';
import type { LimitChange } from './limits.js';
import type { FleetTarget } from './targets.js';

export interface ImpactChange extends LimitChange {
  /** Percent of the configured weight, for L7 nodes and servers pooled with --weight. */
  readonly weight?: number;
}

export function impactOf(site: Site, before: FleetStates, change: ImpactChange): string[] {
  const after = withState(before, change.target.name, change.to);
  const weighted = change.weight !== undefined && change.weight !== 100 ? `; ${change.target.name} at ${change.weight}% of its weight` : '';
  switch (change.target.kind) {
    case 'l4': return l4Impact(site, before, after, change.target.name);
    case 'l7': return l7Impact(site, after, change.target.name, weighted);
    case 'server': return serverImpact(site, after, change.target, weighted);
  }
}

/** Every L4 node announces every service's VIPs, so a node in or out moves all of them. */
function l4Impact(site: Site, before: FleetStates, after: FleetStates, name: Token): string[] {
  const nodes = nodesWithRole(site, 'l4').map((n) => n.name);
  const announcing = nodes.filter((n) => !isOut(stateOf(after, n)));
  const [was, is] = [isOut(stateOf(before, name)), isOut(stateOf(after, name))];
  const verb = is ? (was ? 'stays withdrawn from' : 'withdraws') : was ? 'announces' : 'keeps announcing';
  const again = was && !is ? ' again' : '';
  const rest = `${announcing.length} of ${nodes.length} L4 nodes ${is ? 'keep announcing' : 'announce'} (${listOrNone(announcing)})`;
  return site.services.map((s) => `${s.name}: ${name} ${verb} ${s.vips.join(', ')}${again}; ${rest}`);
}

function l7Impact(site: Site, after: FleetStates, name: Token, weighted: string): string[] {
  const services = servicesOnL7(site, name);
  if (services.length === 0) return [`${name} serves no service: nothing else changes`];
  return services.map((s) => {
    const taking = s.l7.nodes.filter((n) => !isOut(stateOf(after, n)));
    const out = s.l7.nodes.filter((n) => isOut(stateOf(after, n))).map((n) => `${n} (${stateOf(after, n)})`);
    return `${s.name}: ${taking.length} of ${s.l7.nodes.length} L7 nodes take new connections${outList(out)}${weighted}`;
  });
}

function serverImpact(site: Site, after: FleetStates, target: FleetTarget, weighted: string): string[] {
  const pools = site.pools.filter((p) => target.servers.some((e) => e.pool === p.name));
  if (pools.length === 0) return [`${target.name} runs no pool server: nothing else changes`];
  return pools.map((p) => {
    const pooled = p.servers.filter((s) => !isOut(serverState(after, s)));
    const out = p.servers.filter((s) => isOut(serverState(after, s))).map((s) => `${s.name} (${serverState(after, s)})`);
    const services = site.services.filter((s) => s.pool === p.name).map((s) => s.name);
    return `pool ${p.name}: ${pooled.length} of ${p.servers.length} servers pooled (services: ${listOrNone(services)})${outList(out)}${weighted}`;
  });
}

const listOrNone = (names: readonly string[]): string => (names.length > 0 ? names.join(', ') : 'none');
const outList = (out: readonly string[]): string => (out.length > 0 ? `; out: ${out.join(', ')}` : '');
