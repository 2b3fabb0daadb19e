// Small questions many tiers ask of a site. Pure, deterministic.
import { familyOf, type Family, type IpAddress, type Token } from './brand.js';
import type { Pool, Role, Service, Site, SiteNode } from './model.js';

export function nodeNamed(site: Site, name: string): SiteNode | undefined {
  return site.nodes.find((n) => n.name === name);
}

export function nodesWithRole(site: Site, role: Role): SiteNode[] {
  return site.nodes.filter((n) => n.role === role);
}

export function poolOf(site: Site, service: Service): Pool {
  const pool = site.pools.find((p) => p.name === service.pool);
  if (!pool) throw new Error(`service ${service.name}: pool ${service.pool} missing from a parsed site`);
  return pool;
}

/** The names of the nodes this node has a BGP session with, sorted. */
export function peersOf(site: Site, name: Token): SiteNode[] {
  const names = site.bgp.sessions.flatMap((s) => (s.a === name ? [s.b] : s.b === name ? [s.a] : []));
  return names.map((n) => nodeNamed(site, n)).filter((n): n is SiteNode => n !== undefined);
}

/** Services an L7 node serves, in file order. */
export function servicesOnL7(site: Site, name: Token): Service[] {
  return site.services.filter((s) => s.l7.nodes.includes(name));
}

export function addressOf(node: SiteNode, family: Family): IpAddress | undefined {
  return node.addresses[family];
}

/** Every VIP of the site, in file order, without repeats. */
export function allVips(site: Site): IpAddress[] {
  return [...new Set(site.services.flatMap((s) => s.vips))];
}

export { familyOf };
