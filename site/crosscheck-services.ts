// Service cross-checks: what a service may not repeat, the pool it names, and
// the L4 and L7 nodes that must be able to carry its VIPs.
import { familyOf, type IpAddress } from './brand.js';
import type { FieldPath } from './errors.js';
import type { ParsedSite } from './schema.js';
import { reportDuplicates, type Report } from './crosscheck-report.js';

type RawNode = ParsedSite['nodes'][number];
const at = (s: number, ...rest: (string | number)[]): FieldPath => ['services', s, ...rest];

/** Checks that read the services alone. */
export function checkServiceFields(site: Pick<ParsedSite, 'services'>, report: Report): void {
  reportDuplicates(site.services, (s) => s.name, (i) => at(i, 'name'), 'service name', report);
  const listeners = new Map<string, string>();
  site.services.forEach((svc, s) => {
    if (svc.protocol === 'udp') {
      report(at(s, 'protocol'), 'expected "tcp": the L7 tier (HAProxy) cannot terminate UDP, so a UDP service has nowhere to go after IPVS');
    }
    reportDuplicates(svc.vips, (v) => v, (i) => at(s, 'vips', i), 'VIP', report);
    reportDuplicates(svc.ports, (p) => String(p), (i) => at(s, 'ports', i), 'port', report);
    reportDuplicates(svc.l4.flags, (f) => f, (i) => at(s, 'l4', 'flags', i), 'flag', report);
    if (!svc.l4.flags.includes('mh-fallback')) {
      // Measured in the lab: with weight 0 and no fallback, a quarter of new flows were refused.
      report(at(s, 'l4', 'flags'), 'expected mh-fallback among the flags: tierlb drains an L7 node by giving it weight 0, and without mh-fallback the kernel refuses every new flow that hashes to a weight-0 node instead of sending it to the next one');
    }
    reportDuplicates(svc.l7.nodes ?? [], (n) => n, (i) => at(s, 'l7', 'nodes', i), 'l7 node', report);
    if (svc.l7.mode === 'tcp' && svc.l7.balance === 'uri') {
      report(at(s, 'l7', 'balance'), 'expected a balance algorithm that works in mode tcp: "uri" needs mode http');
    }
    if (svc.l7.check.timeout.ms > svc.l7.check.interval.ms) {
      report(at(s, 'l7', 'check', 'timeout'), `expected at most the check interval (${svc.l7.check.interval}), got ${svc.l7.check.timeout}`);
    }
    svc.vips.forEach((vip, v) => {
      for (const port of svc.ports) {
        const key = `${vip}:${port}/${svc.protocol}`;
        const owner = listeners.get(key);
        if (owner !== undefined && owner !== svc.name) report(at(s, 'vips', v), `duplicate VIP:port:protocol ${key}, already used by service "${owner}"`);
        listeners.set(key, svc.name);
      }
    });
  });
}

export function checkServicePools(site: Pick<ParsedSite, 'services' | 'pools'>, report: Report): void {
  site.services.forEach((svc, s) => {
    if (!site.pools.some((p) => p.name === svc.pool)) {
      report(at(s, 'pool'), `expected the name of a pool in pools, got ${JSON.stringify(svc.pool)}`);
    }
  });
}

/** The L7 nodes a service names exist, can meet its quorum and carry every VIP family. */
export function checkServiceNodes(site: Pick<ParsedSite, 'services' | 'nodes'>, report: Report): void {
  const nodeByName = new Map(site.nodes.map((n) => [n.name as string, n]));
  const nodeAddresses = new Set<string>(site.nodes.flatMap((n) => [n.addresses.ipv4, n.addresses.ipv6]).filter((a) => a !== undefined));
  const l4 = site.nodes.filter((n) => n.role === 'l4');
  site.services.forEach((svc, s) => {
    svc.l7.nodes?.forEach((name, i) => {
      const node = nodeByName.get(name);
      if (!node) report(at(s, 'l7', 'nodes', i), `expected the name of a node, got ${JSON.stringify(name)}`);
      else if (node.role !== 'l7') report(at(s, 'l7', 'nodes', i), `expected an l7 node, got "${name}" with role "${node.role}"`);
    });
    const servingCount = svc.l7.nodes ? new Set(svc.l7.nodes).size : site.nodes.filter((n) => n.role === 'l7').length;
    if (svc.l4.quorum > servingCount) {
      report(at(s, 'l4', 'quorum'), `expected at most ${servingCount} (the L7 nodes serving the service), got ${svc.l4.quorum}`);
    }
    const l7 = site.nodes.filter((n) => n.role === 'l7' && (!svc.l7.nodes || svc.l7.nodes.includes(n.name)));
    svc.vips.forEach((vip, v) => {
      if (nodeAddresses.has(vip)) report(at(s, 'vips', v), `VIP ${vip} is also a node's own address`);
      checkVipFamily(vip, at(s, 'vips', v), [...l4, ...l7], report);
    });
  });
}

function checkVipFamily(vip: IpAddress, path: FieldPath, carriers: readonly RawNode[], report: Report): void {
  const family = familyOf(vip);
  const word = family === 'ipv4' ? 'IPv4' : 'IPv6';
  for (const node of carriers) {
    if (node.addresses[family]) continue;
    const why = node.role === 'l7' ? 'to tunnel to' : 'to tunnel from';
    report(path, `VIP ${vip} is ${word} but ${node.role} node "${node.name}" has no ${family} address ${why}`);
  }
}
