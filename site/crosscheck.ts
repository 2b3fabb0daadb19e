// Checks that relate one part of the site to another: references that must
// exist, names and VIP:port pairs that must be unique, families that must
// match, ports that the listeners of one node must not share. Each check
// names the top-level sections it reads and runs whenever those sections
// parsed, so one file reports its field errors and its cross-section
// problems together.
import { familyOf } from './brand.js';
import type { FieldPath, SiteIssue } from './errors.js';
import type { ParsedSite } from './schema.js';
import { needs, reportDuplicates, type Check, type Report, type Sections } from './crosscheck-report.js';
import { checkBgpTimers, checkPeers } from './crosscheck-bgp.js';
import { checkAgentCheckPorts, checkBinds } from './crosscheck-binds.js';
import { checkDnsNames, checkZones } from './crosscheck-dns.js';
import { checkTunnelSources } from './crosscheck-tunnel-sources.js';
import { checkEtcd, checkFleetNames } from './crosscheck-etcd.js';
import { checkConnectionSync } from './crosscheck-connection-sync.js';
import { checkServiceFields, checkServiceNodes, checkServicePools } from './crosscheck-services.js';
import { checkServiceL7Features } from './crosscheck-l7-features.js';

const CHECKS: readonly Check[] = [
  needs(['services'], checkServiceFields),
  needs(['services'], checkServiceL7Features),
  needs(['pools'], checkPoolNames),
  needs(['nodes'], checkNodes),
  needs(['services', 'pools'], checkServicePools),
  needs(['services', 'nodes'], checkServiceNodes),
  needs(['services', 'pools', 'nodes'], checkServers),
  needs(['services', 'pools', 'nodes'], checkTunnelSources),
  needs(['bgp'], checkBgpTimers),
  needs(['nodes'], checkPeers),
  needs(['dns'], checkZones),
  needs(['services', 'nodes', 'dns'], checkDnsNames),
  needs(['agent', 'pools'], checkAgentCheckPorts),
  needs(['agent', 'l7', 'bgp', 'services', 'pools', 'nodes'], checkBinds),
  needs(['l4'], checkConnectionSync),
  needs(['etcd'], checkEtcd),
  needs(['etcd', 'pools', 'nodes'], checkFleetNames),
];

/** Every cross-section problem of the sections that parsed. */
export function crossCheck(sections: Sections): SiteIssue[] {
  const issues: SiteIssue[] = [];
  const report: Report = (path, message) => issues.push({ path, message });
  for (const check of CHECKS) check(sections, report);
  return issues;
}

function checkPoolNames(site: Pick<ParsedSite, 'pools'>, report: Report): void {
  reportDuplicates(site.pools, (p) => p.name, (i) => ['pools', i, 'name'], 'pool name', report);
  site.pools.forEach((pool, p) => {
    reportDuplicates(pool.servers, (s) => s.name, (i) => ['pools', p, 'servers', i, 'name'], 'server name', report);
    reportDuplicates(pool.servers, (s) => `${s.address}:${s.port}`, (i) => ['pools', p, 'servers', i], 'server address:port', report);
  });
}

function checkNodes(site: Pick<ParsedSite, 'nodes'>, report: Report): void {
  reportDuplicates(site.nodes, (n) => n.name, (i) => ['nodes', i, 'name'], 'node name', report);
  const addresses = site.nodes.flatMap((n, i) =>
    (['ipv4', 'ipv6'] as const).flatMap((f) => (n.addresses[f] ? [{ a: n.addresses[f], path: ['nodes', i, 'addresses', f] }] : [])),
  );
  reportDuplicates(addresses, (x) => x.a, (i) => addresses[i]?.path ?? [], 'node address', report);
  site.nodes.forEach((node, i) => {
    if (!node.addresses.ipv4 && !node.addresses.ipv6) {
      report(['nodes', i, 'addresses'], 'expected at least one of ipv4, ipv6');
    }
  });
  for (const role of ['l4', 'l7'] as const) {
    if (!site.nodes.some((n) => n.role === role)) report(['nodes'], `expected at least one node with role "${role}"`);
  }
}

/** Server nodes must be backends; server addresses must be reachable from every L7 node serving them. */
function checkServers(site: Pick<ParsedSite, 'services' | 'pools' | 'nodes'>, report: Report): void {
  const nodeByName = new Map(site.nodes.map((n) => [n.name as string, n]));
  site.pools.forEach((pool, p) => {
    const l7 = l7NodesUsing(site, pool.name);
    pool.servers.forEach((server, s) => {
      const at = (field: string): FieldPath => ['pools', p, 'servers', s, field];
      const family = familyOf(server.address);
      const blind = l7.find((n) => !n.addresses[family]);
      if (blind) report(at('address'), `server ${server.address} is ${family} but l7 node "${blind.name}" has no ${family} address to reach it`);
      if (server.node === undefined) return;
      const node = nodeByName.get(server.node);
      if (!node) report(at('node'), `expected the name of a node, got ${JSON.stringify(server.node)}`);
      else if (node.role !== 'backend') report(at('node'), `expected a backend node, got "${server.node}" with role "${node.role}"`);
    });
  });
}

/** The l7 nodes of every service that uses the pool. */
function l7NodesUsing(site: Pick<ParsedSite, 'services' | 'nodes'>, pool: string): ParsedSite['nodes'] {
  const l7 = site.nodes.filter((n) => n.role === 'l7');
  const users = site.services.filter((s) => s.pool === pool);
  return l7.filter((n) => users.some((s) => !s.l7.nodes || s.l7.nodes.includes(n.name)));
}
