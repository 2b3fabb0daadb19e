// BGP cross-checks: who may peer with whom, timers the daemons accept, and
// that every L4 node can announce to somebody.
import type { ParsedSite } from './schema.js';
import { reportDuplicates, type Report } from './crosscheck-report.js';

const BGP_ROLES = new Set(['router', 'reflector', 'l4']);
const MAX_HOLD_MS = 65535 * 1000;
const MAX_BFD_INTERVAL_MS = 3600 * 1000;

export function checkBgpTimers(site: Pick<ParsedSite, 'bgp'>, report: Report): void {
  const { holdTime, keepalive, connectRetry, communities, bfd } = site.bgp;
  if (holdTime.ms % 1000 !== 0 || holdTime.ms < 3000 || holdTime.ms > MAX_HOLD_MS) {
    report(['bgp', 'holdTime'], `expected whole seconds, at least 3s (RFC 4271) and at most 65535s (a 16-bit field), got ${holdTime}`);
  }
  if (keepalive.ms % 1000 !== 0 || keepalive.ms < 1000 || keepalive.ms * 3 > holdTime.ms) {
    report(['bgp', 'keepalive'], `expected whole seconds, at least 1s and at most a third of holdTime (${holdTime}), got ${keepalive}`);
  }
  if (connectRetry.ms % 1000 !== 0 || connectRetry.ms < 1000) {
    report(['bgp', 'connectRetry'], `expected whole seconds, at least 1s, got ${connectRetry}`);
  }
  if (bfd.interval.ms > MAX_BFD_INTERVAL_MS) {
    report(['bgp', 'bfd', 'interval'], `expected at most 1h (BFD carries intervals as 32-bit microseconds), got ${bfd.interval}`);
  }
  if (communities.vip.includes(communities.gracefulShutdown)) {
    report(['bgp', 'communities', 'vip'], `expected communities other than the graceful-shutdown community ${communities.gracefulShutdown}`);
  }
  reportDuplicates(communities.vip, (c) => c, (i) => ['bgp', 'communities', 'vip', i], 'community', report);
}

export function checkPeers(site: Pick<ParsedSite, 'nodes'>, report: Report): void {
  const byName = new Map(site.nodes.map((n) => [n.name as string, n]));
  const peered = new Set<string>();
  site.nodes.forEach((node, i) => {
    if (node.peers && !BGP_ROLES.has(node.role)) {
      report(['nodes', i, 'peers'], `expected no peers on a node with role "${node.role}": only router, reflector and l4 nodes speak BGP`);
      return;
    }
    if (BGP_ROLES.has(node.role) && !node.routerId && !node.addresses.ipv4) {
      report(['nodes', i, 'routerId'], 'expected a routerId: a BGP node without an IPv4 address needs one');
    }
    reportDuplicates(node.peers ?? [], (p) => p, (p) => ['nodes', i, 'peers', p], 'peer', report);
    node.peers?.forEach((peerName, p) => {
      const at = ['nodes', i, 'peers', p];
      const peer = byName.get(peerName);
      if (!peer) return report(at, `expected the name of a node, got ${JSON.stringify(peerName)}`);
      if (peer.name === node.name) return report(at, 'expected another node: a node cannot peer with itself');
      if (!BGP_ROLES.has(peer.role)) return report(at, `expected a router, reflector or l4 node, got "${peerName}" with role "${peer.role}"`);
      if (node.role === 'l4' && peer.role === 'l4') return report(at, `expected a router or reflector: l4 nodes do not peer with each other ("${peerName}")`);
      if (!sharesFamily(node.addresses, peer.addresses)) return report(at, `"${node.name}" and "${peerName}" have no address family in common`);
      peered.add(node.name);
      peered.add(peer.name);
    });
  });
  site.nodes.forEach((node, i) => {
    if (node.role === 'l4' && !peered.has(node.name)) {
      report(['nodes', i, 'peers'], `l4 node "${node.name}" has no BGP session: it could never announce its VIPs`);
    }
  });
}

function sharesFamily(a: { ipv4?: string; ipv6?: string }, b: { ipv4?: string; ipv6?: string }): boolean {
  return Boolean((a.ipv4 && b.ipv4) || (a.ipv6 && b.ipv6));
}
