// Checks that relate one part of the site to another: references that must
// exist, names and VIP:port pairs that must be unique, families that must
// match. They run on the schema's output and return every problem found.
import { familyOf, type IpAddress } from './brand.js';
import type { FieldPath, SiteIssue } from './errors.js';
import type { ParsedSite } from './schema.js';
import { checkBgp } from './crosscheck-bgp.js';
import { checkDns } from './crosscheck-dns.js';

export type Report = (path: FieldPath, message: string) => void;

export function crossCheck(site: ParsedSite): SiteIssue[] {
  const issues: SiteIssue[] = [];
  const report: Report = (path, message) => issues.push({ path, message });
  checkUniqueNames(site, report);
  checkNodes(site, report);
  checkServices(site, report);
  checkPools(site, report);
  checkBgp(site, report);
  checkDns(site, report);
  return issues;
}

/** Reports every item whose key was already used by an earlier item. */
export function reportDuplicates<T>(
  items: readonly T[], key: (t: T) => string, path: (i: number) => FieldPath, what: string, report: Report,
): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const seen = first.get(k);
    if (seen === undefined) first.set(k, i);
    else report(path(i), `duplicate ${what} ${JSON.stringify(k)} (first at index ${seen})`);
  });
}

function checkUniqueNames(site: ParsedSite, report: Report): void {
  reportDuplicates(site.services, (s) => s.name, (i) => ['services', i, 'name'], 'service name', report);
  reportDuplicates(site.pools, (p) => p.name, (i) => ['pools', i, 'name'], 'pool name', report);
  reportDuplicates(site.nodes, (n) => n.name, (i) => ['nodes', i, 'name'], 'node name', report);
  site.pools.forEach((pool, p) => {
    reportDuplicates(pool.servers, (s) => s.name, (i) => ['pools', p, 'servers', i, 'name'], 'server name', report);
    reportDuplicates(pool.servers, (s) => `${s.address}:${s.port}`, (i) => ['pools', p, 'servers', i], 'server address:port', report);
  });
  const addresses = site.nodes.flatMap((n, i) =>
    (['ipv4', 'ipv6'] as const).flatMap((f) => (n.addresses[f] ? [{ a: n.addresses[f], path: ['nodes', i, 'addresses', f] }] : [])),
  );
  reportDuplicates(addresses, (x) => x.a, (i) => addresses[i]?.path ?? [], 'node address', report);
}

function checkNodes(site: ParsedSite, report: Report): void {
  site.nodes.forEach((node, i) => {
    if (!node.addresses.ipv4 && !node.addresses.ipv6) {
      report(['nodes', i, 'addresses'], 'expected at least one of ipv4, ipv6');
    }
  });
  for (const role of ['l4', 'l7'] as const) {
    if (!site.nodes.some((n) => n.role === role)) report(['nodes'], `expected at least one node with role "${role}"`);
  }
}

function checkServices(site: ParsedSite, report: Report): void {
  const nodeByName = new Map(site.nodes.map((n) => [n.name as string, n]));
  const nodeAddresses = new Set(site.nodes.flatMap((n) => [n.addresses.ipv4, n.addresses.ipv6]).filter(Boolean));
  const l7Names = site.nodes.filter((n) => n.role === 'l7').map((n) => n.name as string);
  const l4Nodes = site.nodes.filter((n) => n.role === 'l4');
  const listeners = new Map<string, string>();

  site.services.forEach((svc, s) => {
    const at = (...rest: (string | number)[]): FieldPath => ['services', s, ...rest];
    if (svc.protocol === 'udp') {
      report(at('protocol'), 'expected "tcp": the L7 tier (HAProxy) cannot terminate UDP, so a UDP service has nowhere to go after IPVS');
    }
    if (!site.pools.some((p) => p.name === svc.pool)) {
      report(at('pool'), `expected the name of a pool in pools, got ${JSON.stringify(svc.pool)}`);
    }
    reportDuplicates(svc.vips, (v) => v, (i) => at('vips', i), 'VIP', report);
    reportDuplicates(svc.ports, (p) => String(p), (i) => at('ports', i), 'port', report);
    const servingNames = svc.l7.nodes ?? l7Names;
    svc.l7.nodes?.forEach((name, i) => {
      const node = nodeByName.get(name);
      if (!node) report(at('l7', 'nodes', i), `expected the name of a node, got ${JSON.stringify(name)}`);
      else if (node.role !== 'l7') report(at('l7', 'nodes', i), `expected an l7 node, got "${name}" with role "${node.role}"`);
    });
    if (svc.l4.quorum > servingNames.length) {
      report(at('l4', 'quorum'), `expected at most ${servingNames.length} (the L7 nodes serving the service), got ${svc.l4.quorum}`);
    }
    if (svc.l7.check.timeout.ms > svc.l7.check.interval.ms) {
      report(at('l7', 'check', 'timeout'), `expected at most the check interval (${svc.l7.check.interval}), got ${svc.l7.check.timeout}`);
    }
    svc.vips.forEach((vip, v) => {
      if (nodeAddresses.has(vip)) report(at('vips', v), `VIP ${vip} is also a node's own address`);
      checkVipFamily(vip, at('vips', v), servingNames, l4Nodes.map((n) => n.name), nodeByName, report);
      for (const port of svc.ports) {
        const key = `${vip}:${port}/${svc.protocol}`;
        const owner = listeners.get(key);
        if (owner !== undefined && owner !== svc.name) report(at('vips', v), `duplicate VIP:port:protocol ${key}, already used by service "${owner}"`);
        listeners.set(key, svc.name);
      }
    });
  });
}

type NodeLookup = ReadonlyMap<string, ParsedSite['nodes'][number]>;

function checkVipFamily(vip: IpAddress, path: FieldPath, l7: readonly string[], l4: readonly string[], nodes: NodeLookup, report: Report): void {
  const family = familyOf(vip);
  const word = family === 'ipv4' ? 'IPv4' : 'IPv6';
  for (const name of [...l4, ...l7]) {
    const node = nodes.get(name);
    if (node && !node.addresses[family]) {
      const why = node.role === 'l7' ? 'to tunnel to' : 'to tunnel from';
      report(path, `VIP ${vip} is ${word} but ${node.role} node "${name}" has no ${family} address ${why}`);
    }
  }
}

function checkPools(site: ParsedSite, report: Report): void {
  const nodeByName = new Map(site.nodes.map((n) => [n.name as string, n]));
  site.pools.forEach((pool, p) => {
    pool.servers.forEach((server, s) => {
      if (server.node === undefined) return;
      const node = nodeByName.get(server.node);
      const at: FieldPath = ['pools', p, 'servers', s, 'node'];
      if (!node) report(at, `expected the name of a node, got ${JSON.stringify(server.node)}`);
      else if (node.role !== 'backend') report(at, `expected a backend node, got "${server.node}" with role "${node.role}"`);
    });
  });
}
