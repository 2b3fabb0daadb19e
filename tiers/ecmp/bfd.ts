// Which BFD sessions the site runs: every router to every L4 node, directly,
// whoever the BGP peer in between is (a gobgp reflector has no BFD, and a
// gobgp speaker none either). A router makes the VIP routes learned from an
// L4 node depend on the BFD session to that node (bird.conf: a BFD-controlled
// host route the BGP next hop resolves through); the L4 node answers with its
// BIRD speaker, or with a BFD-only BIRD beside gobgpd. Pure.
import type { Family, IpAddress, Site, SiteNode } from '../../site/index.js';
import { familiesOf, FAMILIES, hostPrefix, routerIdOf, sessionsOf } from './view.js';

/** One BFD session: a router and an L4 node, over one address family. */
export interface BfdPair {
  readonly router: SiteNode;
  readonly l4: SiteNode;
  readonly family: Family;
  readonly routerAddress: IpAddress;
  readonly l4Address: IpAddress;
}

export interface BfdTimersView {
  readonly intervalMs: number;
  readonly multiplier: number;
}

export function bfdTimersOf(site: Site): BfdTimersView {
  return { intervalMs: site.bgp.bfd.interval.ms, multiplier: site.bgp.bfd.multiplier };
}

/**
 * Every router–L4 pair, per family both have an address in and the router
 * has BGP sessions in (it learns VIP routes of that family only then), in
 * site order. None when the site disables BFD.
 */
export function bfdPairs(site: Site): BfdPair[] {
  if (!site.bgp.bfd.enabled) return [];
  const routers = site.nodes.filter((n) => n.role === 'router');
  const l4s = site.nodes.filter((n) => n.role === 'l4');
  return routers.flatMap((router) => {
    const families = familiesOf(sessionsOf(site, router));
    return l4s.flatMap((l4) => FAMILIES.filter((f) => families.includes(f)).flatMap((family) => {
      const routerAddress = router.addresses[family];
      const l4Address = l4.addresses[family];
      return routerAddress && l4Address ? [{ router, l4, family, routerAddress, l4Address }] : [];
    }));
  });
}

/** A BFD-watched L4 node: its address and host prefix (the static route's destination). */
export interface BfdHost { readonly node: string; readonly address: IpAddress; readonly prefix: string }

/** A router's BFD-watched L4 hosts, per family with any. */
export function bfdHostsOf(site: Site, router: SiteNode): { readonly family: Family; readonly hosts: readonly BfdHost[] }[] {
  const mine = bfdPairs(site).filter((p) => p.router.name === router.name);
  return FAMILIES
    .map((family) => ({ family, hosts: mine.filter((p) => p.family === family).map((p) => ({ node: p.l4.name, address: p.l4Address, prefix: hostPrefix(p.l4Address) })) }))
    .filter((g) => g.hosts.length > 0);
}

/** The routers an L4 node answers BFD to, as addresses, in site order. */
export function bfdNeighborsOf(site: Site, l4: SiteNode): IpAddress[] {
  return bfdPairs(site).filter((p) => p.l4.name === l4.name).map((p) => p.routerAddress);
}

export const BIRD_BFD_FILE = 'bird-bfd.conf';

/** bird-bfd.conf: a BIRD that only answers the routers' BFD, beside a speaker without BFD (gobgpd). */
export interface BirdBfdView {
  readonly node: string;
  readonly routerId: IpAddress;
  readonly bfd: BfdTimersView;
  readonly neighbors: readonly IpAddress[];
}

/** Only for an L4 node whose speaker is gobgp, with BFD on and at least one router to answer. */
export function birdBfdView(site: Site, node: SiteNode): BirdBfdView | undefined {
  if (node.role !== 'l4' || site.bgp.speaker !== 'gobgp') return undefined;
  const neighbors = bfdNeighborsOf(site, node);
  if (neighbors.length === 0) return undefined;
  return { node: node.name, routerId: routerIdOf(node), bfd: bfdTimersOf(site), neighbors };
}
