// The status of a router or reflector, from what its daemon says: one line
// per BGP session the site gives the node (and any extra the daemon has), and
// for routers each VIP with the next hops of its kernel route. Pure: the
// daemon's replies come in as values.
import { familyOf, type Site, type SiteNode } from '../../site/index.js';
import { hostPrefix, sessionsOf } from '../../tiers/ecmp/view.js';
import type { ServiceStatus, SessionStatus } from '../observe/status.js';
import type { RoleStatus } from '../role.js';
import type { BirdProtocol } from './bgp-bird.js';
import type { GobgpNeighbor } from './bgp-gobgp.js';

/** BIRD's protocols (undefined: BIRD did not answer) and its kernel routes by family. */
export function routerStatusOf(site: Site, node: SiteNode, protocols: readonly BirdProtocol[] | undefined, routes: ReadonlyMap<string, readonly string[]> | undefined): RoleStatus {
  const byName = new Map((protocols ?? []).map((p) => [p.name, p]));
  const sessions = sessionsOf(site, node).map((s): SessionStatus => {
    const base = { peer: s.peer, address: s.peerAddress, family: s.family };
    if (!protocols) return { ...base, state: 'unknown', info: 'BIRD is not answering' };
    const p = byName.get(s.symbol);
    if (!p) return { ...base, state: 'unknown', info: `no protocol ${s.symbol} in the running BIRD` };
    return { ...base, ...birdSessionState(p) };
  });
  const services: ServiceStatus[] = site.services.map((svc) => ({
    name: svc.name,
    realServers: [],
    vips: svc.vips.map((vip) => {
      const hops = routes?.get(hostPrefix(vip)) ?? [];
      const reason = !routes ? 'BIRD is not answering' : hops.length === 0 ? `no route learned (${familyOf(vip)})` : `ECMP over ${hops.length} L4 node(s)`;
      return { vip, announce: 'n/a' as const, reason, nextHops: [...hops] };
    }),
  }));
  return { maintenance: [], services, sessions };
}

/** `up ... Established` → established; `start ... Active  Socket: Connection refused` → active, with the error. */
export function birdSessionState(p: BirdProtocol): { state: string; info?: string } {
  const [first = '', ...rest] = p.info.split(/\s+/);
  const info = rest.join(' ');
  if (p.state === 'down') return { state: 'down', ...(p.info ? { info: p.info } : {}) };
  const state = first ? first.toLowerCase() : p.state;
  return info ? { state, info } : { state };
}

/** gobgpd's neighbors (undefined: the API did not answer) against the sessions the site gives the reflector. */
export function reflectorStatusOf(site: Site, node: SiteNode, neighbors: readonly GobgpNeighbor[] | undefined): RoleStatus {
  const expected = sessionsOf(site, node);
  const byAddress = new Map((neighbors ?? []).map((n) => [n.address, n]));
  const sessions = expected.map((s): SessionStatus => {
    const base = { peer: s.peer, address: s.peerAddress, family: s.family };
    if (!neighbors) return { ...base, state: 'unknown', info: 'gobgpd is not answering' };
    const n = byAddress.get(s.peerAddress);
    if (!n) return { ...base, state: 'unknown', info: 'not a neighbor of the running gobgpd' };
    return { ...base, state: n.state, info: `${n.accepted}/${n.received} routes accepted` };
  });
  const known = new Set<string>(expected.map((s) => s.peerAddress));
  const extra = (neighbors ?? []).filter((n) => !known.has(n.address)).map((n): SessionStatus => ({
    peer: n.description || '?', address: n.address, family: n.address.includes(':') ? 'ipv6' : 'ipv4', state: n.state, info: 'not in the site (reload pending?)',
  }));
  return { maintenance: [], services: [], sessions: [...sessions, ...extra] };
}

/** An observation of a daemon that has since died or restarted: nothing it said holds any more. */
export function staleStatus(last: RoleStatus, why: string): RoleStatus {
  return {
    maintenance: last.maintenance,
    sessions: (last.sessions ?? []).map((s) => ({ peer: s.peer, address: s.address, family: s.family, state: 'unknown', info: why })),
    services: last.services.map((svc) => ({ ...svc, vips: svc.vips.map((v) => ({ ...v, reason: why, ...(v.nextHops ? { nextHops: [] } : {}) })) })),
  };
}
