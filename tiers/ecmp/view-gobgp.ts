// View-model of gobgpd.toml, for the route reflectors and for L4 nodes whose
// speaker is gobgp, and what an announcement of a VIP carries (gobgpd's file
// holds no route: the agent adds and deletes them at run time through the
// daemon's API, gobgp-api.ts). The `gobgp` CLI arguments for the same
// announce and withdraw stay for tests, benches and people at a shell.
import { familyOf, type Community, type IpAddress, type Site, type SiteNode } from '../../site/index.js';
import { FAMILIES, hostPrefix, routerIdOf, sessionsOf, timersOf, type SessionView, type TimersView } from './view.js';

export interface GobgpNeighborView extends SessionView {
  readonly afiSafi: 'ipv4-unicast' | 'ipv6-unicast';
  /** Reflector, iBGP peer: reflect to it and from it. */
  readonly routeReflectorClient: boolean;
  /** Reflector towards routers: how many paths per prefix to send (add-paths). */
  readonly addPathsSendMax?: number;
  /** Reflector towards L4 nodes: accept add-paths from them. */
  readonly addPathsReceive: boolean;
  /** Towards a router: negotiate graceful restart (helper only), so the router gets an End-of-RIB. */
  readonly gracefulRestartHelper: boolean;
}

export interface GobgpView {
  readonly node: string;
  readonly role: 'reflector' | 'l4';
  readonly asn: number;
  readonly routerId: string;
  readonly listenAddresses: readonly IpAddress[];
  /** Reflector only. gobgp's default written out: each reflector is its own cluster, named by its router id. */
  readonly clusterId?: string;
  readonly timers: TimersView;
  readonly neighbors: readonly GobgpNeighborView[];
}

/** gobgp's send-max is one byte: every path of up to 255 L4 nodes. */
export const ADD_PATHS_SEND_MAX = 255;

export function gobgpView(site: Site, node: SiteNode & { role: 'reflector' | 'l4' }): GobgpView {
  const routerId = routerIdOf(node);
  const reflector = node.role === 'reflector';
  // A router must hear every L4 node's path to spread traffic over all of
  // them. The bound is a constant, not the count of L4 nodes: gobgpd resets a
  // session whose add-paths settings change on SIGHUP, so a bound that
  // followed the site would reset every router's sessions on both
  // reflectors at once whenever an L4 node joins or leaves.
  const sendMax = ADD_PATHS_SEND_MAX;
  const neighbors = sessionsOf(site, node).map((s): GobgpNeighborView => {
    const client = reflector && s.ibgp;
    return {
      ...s,
      afiSafi: s.family === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast',
      routeReflectorClient: client,
      ...(client && s.peerRole === 'router' ? { addPathsSendMax: sendMax } : {}),
      addPathsReceive: client && s.peerRole === 'l4',
      gracefulRestartHelper: s.peerRole === 'router',
    };
  });
  const listenAddresses = FAMILIES.flatMap((f) => (node.addresses[f] ? [node.addresses[f]] : []));
  return {
    node: node.name,
    role: node.role,
    asn: node.asn,
    routerId,
    listenAddresses,
    ...(reflector ? { clusterId: routerId } : {}),
    timers: timersOf(site),
    neighbors,
  };
}

export interface AnnounceOptions {
  /** Add the RFC 8326 graceful-shutdown community: peers depreference the path before it is withdrawn. */
  readonly gracefulShutdown: boolean;
}

/**
 * `gobgp` arguments announcing `vip` from `node` with the site's VIP
 * communities; announcing again with other options replaces the path. The
 * next hop is the node's own address of the VIP's family; undefined when the
 * node has none (it cannot announce that VIP). API host and port are the
 * caller's to prepend.
 */
export function gobgpAnnounceArgs(site: Site, node: SiteNode, vip: IpAddress, options: AnnounceOptions): readonly string[] | undefined {
  const family = familyOf(vip);
  const nextHop = node.addresses[family];
  if (!nextHop) return undefined;
  const communities = announcedCommunities(site, options);
  const tail = communities.length > 0 ? ['community', communities.join(',')] : [];
  // Origin IGP as BIRD's static routes have: a router merges only paths of
  // equal origin, and gobgp's default (incomplete) would keep a gobgp and a
  // BIRD speaker of one site (a migration) out of the same multipath route.
  return ['global', 'rib', '-a', family, 'add', hostPrefix(vip), 'origin', 'igp', 'nexthop', nextHop, ...tail];
}

/** The communities an announcement carries: the site's VIP communities, then graceful shutdown when asked. */
export function announcedCommunities(site: Site, options: AnnounceOptions): readonly Community[] {
  const { vip, gracefulShutdown } = site.bgp.communities;
  return options.gracefulShutdown ? [...vip, gracefulShutdown] : [...vip];
}

/** The announcement of `vip` with the graceful-shutdown community: the first step of a withdraw. */
export function gobgpGracefulShutdownArgs(site: Site, node: SiteNode, vip: IpAddress): readonly string[] | undefined {
  return gobgpAnnounceArgs(site, node, vip, { gracefulShutdown: true });
}

export function gobgpWithdrawArgs(vip: IpAddress): readonly string[] {
  return ['global', 'rib', '-a', familyOf(vip), 'del', hostPrefix(vip)];
}
