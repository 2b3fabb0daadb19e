// Decisions shared by every BGP daemon of the ECMP tier: which sessions a
// node has (one per address family it shares with each peer), who speaks
// BIRD, the timers in the unit the daemons take, and the communities split
// into their two numbers. Pure: a function of the site and the node only.
import {
  allVips, familyOf, peersOf,
  type Asn, type Community, type Family, type IpAddress, type Ipv4, type Role, type Site, type SiteNode, type Token,
} from '../../site/index.js';

export const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

/**
 * One BGP session seen from `node`. Sessions are per family (IPv4 routes over
 * an IPv4 session, IPv6 over IPv6) rather than one multiprotocol session:
 * an IPv6 route over an IPv4 session needs an IPv6 next hop the session does
 * not carry (IPv4-mapped next hops, or extended next hop in both daemons),
 * while per-family sessions work in BIRD and gobgp with no special option.
 */
export interface SessionView {
  /** Unique per node, safe as a BIRD symbol: `bgp_rr_1_ipv4`. */
  readonly symbol: string;
  readonly peer: Token;
  readonly peerRole: Role;
  readonly family: Family;
  readonly localAddress: IpAddress;
  readonly peerAddress: IpAddress;
  readonly localAsn: Asn;
  readonly peerAsn: Asn;
  readonly ibgp: boolean;
  /** Both ends run BIRD, the only daemon here with BFD. */
  readonly peerSpeaksBird: boolean;
}

export interface TimersView {
  readonly holdSeconds: number;
  readonly keepaliveSeconds: number;
  readonly connectRetrySeconds: number;
}

export interface CommunityView {
  readonly asn: number;
  readonly value: number;
}

export function sessionsOf(site: Site, node: SiteNode): SessionView[] {
  const peers = [...peersOf(site, node.name)].sort((a, b) => (a.name < b.name ? -1 : 1));
  const sessions = peers.flatMap((peer) => FAMILIES.flatMap((family) => sessionWith(site, node, peer, family)));
  return withUniqueSymbols(sessions);
}

function sessionWith(site: Site, node: SiteNode, peer: SiteNode, family: Family): Omit<SessionView, 'symbol'>[] {
  const localAddress = node.addresses[family];
  const peerAddress = peer.addresses[family];
  if (!localAddress || !peerAddress) return [];
  return [{
    peer: peer.name,
    peerRole: peer.role,
    family,
    localAddress,
    peerAddress,
    localAsn: node.asn,
    peerAsn: peer.asn,
    ibgp: node.asn === peer.asn,
    peerSpeaksBird: speaksBird(site, peer),
  }];
}

/** Routers always run BIRD, reflectors gobgp, L4 nodes the site's choice. */
export function speaksBird(site: Site, node: SiteNode): boolean {
  if (node.role === 'router') return true;
  return node.role === 'l4' && site.bgp.speaker === 'bird';
}

/** BIRD symbols take letters, digits and '_'; two names that fold alike get a numbered suffix. */
function withUniqueSymbols(sessions: Omit<SessionView, 'symbol'>[]): SessionView[] {
  const used = new Set<string>();
  return sessions.map((s) => {
    const base = `bgp_${s.peer.replace(/[^A-Za-z0-9]/g, '_')}_${s.family}`;
    let symbol = base;
    for (let i = 2; used.has(symbol); i++) symbol = `${base}_${i}`;
    used.add(symbol);
    return { ...s, symbol };
  });
}

export function familiesOf(sessions: readonly SessionView[]): Family[] {
  return FAMILIES.filter((f) => sessions.some((s) => s.family === f));
}

export function timersOf(site: Site): TimersView {
  // The parser accepts whole seconds only; ceil keeps a sub-second value from reaching 0.
  return {
    holdSeconds: site.bgp.holdTime.ceilSeconds,
    keepaliveSeconds: site.bgp.keepalive.ceilSeconds,
    connectRetrySeconds: site.bgp.connectRetry.ceilSeconds,
  };
}

export function communityOf(c: Community): CommunityView {
  const [asn = '', value = ''] = c.split(':');
  return { asn: Number(asn), value: Number(value) };
}

export function routerIdOf(node: SiteNode): Ipv4 {
  if (!node.routerId) throw new Error(`node ${node.name}: a BGP node without a router id passed validation`);
  return node.routerId;
}

/** A VIP as the host route that is announced: /32 or /128. */
export function hostPrefix(vip: IpAddress): string {
  return `${vip}/${familyOf(vip) === 'ipv4' ? 32 : 128}`;
}

/** The site's VIPs of one family as host prefixes, in file order. */
export function vipPrefixes(site: Site, family: Family): string[] {
  return allVips(site).filter((v) => familyOf(v) === family).map(hostPrefix);
}
