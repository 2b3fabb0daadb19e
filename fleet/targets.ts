// What `tierlb pool|depool|drain NAME` names: an L4 node, an L7 node, or
// servers of the pools (a backend node stands for every server it runs, as
// its agent answers for all of them). The site's crosscheck keeps these
// names apart, so a name means one thing. Pure.
import { nodeNamed, nodesWithRole, type Site, type Token } from '../site/index.js';

export type TargetKind = 'l4' | 'l7' | 'server';

export interface PoolEntry {
  readonly pool: Token;
  readonly server: Token;
}

export interface FleetTarget {
  readonly name: Token;
  readonly kind: TargetKind;
  /** The pool entries the change takes in or out; empty for L4 and L7 nodes. */
  readonly servers: readonly PoolEntry[];
}

export type TargetResult = { readonly ok: true; readonly target: FleetTarget } | { readonly ok: false; readonly problem: string };

export function resolveTarget(site: Site, name: string): TargetResult {
  const node = nodeNamed(site, name);
  if (node?.role === 'l4' || node?.role === 'l7') return { ok: true, target: { name: node.name, kind: node.role, servers: [] } };
  if (node && node.role !== 'backend') return { ok: false, problem: refusal(site, name, `a ${node.role} node, which is not pooled`) };
  const servers = site.pools.flatMap((p) => p.servers
    .filter((s) => s.name === name || (node !== undefined && s.node === node.name))
    .map((s) => ({ pool: p.name, server: s.name })));
  const known = node?.name ?? servers[0]?.server;
  if (known === undefined) return { ok: false, problem: refusal(site, name, 'not a node or server of this site') };
  return { ok: true, target: { name: known, kind: 'server', servers } };
}

/** Everything that can be pooled, by kind, so that a typo shows its neighbours. */
function refusal(site: Site, name: string, why: string): string {
  const names = (role: 'l4' | 'l7' | 'backend') => nodesWithRole(site, role).map((n) => n.name);
  const servers = [...new Set(site.pools.flatMap((p) => p.servers.map((s) => s.name)))].filter((s) => !names('backend').includes(s));
  const kinds = [
    ['L4 nodes', names('l4')], ['L7 nodes', names('l7')], ['backend nodes', names('backend')], ['pool servers', servers],
  ] as const;
  const listed = kinds.filter(([, list]) => list.length > 0).map(([kind, list]) => `${kind}: ${list.join(', ')}`);
  return `NAME: expected an L4 node, an L7 node, a backend node or a pool server, got ${JSON.stringify(name.slice(0, 64))} (${why}); ${listed.join('; ')}`;
}
