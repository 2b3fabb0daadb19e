// Status reports of every node of a site, as healthy agents would publish
// them: routers route each VIP over every L4 node, L4 nodes announce with
// full weights and kernel tables built in the site's Maglev order, L7 nodes
// see every server UP, the DNS node answers every VIP. Tests break one fact.
import type { ServiceStatus, StatusReport } from '../../agent/observe/status.js';
import { familyOf, poolOf, servicesOnL7, type IpAddress, type Service, type Site, type SiteNode } from '../../site/index.js';
import { maglevServiceStatus } from '../../tiers/l4/agreement/index.js';
import type { KernelService } from '../../tiers/l4/kernel.js';

export interface ReportOptions {
  /** L4 nodes whose kernel added the L7 nodes in reverse order: a table that differs from the others'. */
  readonly reversedOn?: readonly string[];
}

/** Every node's report by name, as mutable JSON (what arrives over HTTP). */
export function siteReports(site: Site, opts: ReportOptions = {}): Map<string, StatusReport> {
  return new Map(site.nodes.map((n) => [n.name as string, JSON.parse(JSON.stringify(reportOf(site, n, opts))) as StatusReport]));
}

function reportOf(site: Site, node: SiteNode, opts: ReportOptions): StatusReport {
  const base = { node: node.name, role: node.role, site: site.name, maintenance: [], daemons: [] };
  switch (node.role) {
    case 'router': return { ...base, services: site.services.map((s) => routerService(site, s)) };
    case 'l4': return { ...base, services: site.services.map((s) => l4Service(site, s, opts.reversedOn?.includes(node.name) ?? false)) };
    case 'l7': return { ...base, services: servicesOnL7(site, node.name).map((s) => l7Service(site, s)) };
    case 'dns': return { ...base, services: site.services.filter((s) => s.dns.length > 0).map(dnsService) };
    case 'reflector':
    case 'backend': return { ...base, services: [] };
  }
}

const l4Nodes = (site: Site): SiteNode[] => site.nodes.filter((n) => n.role === 'l4');
const addressIn = (node: SiteNode | undefined, vip: IpAddress): string | undefined => node?.addresses[familyOf(vip)];

function routerService(site: Site, s: Service): ServiceStatus {
  return {
    name: s.name, realServers: [],
    vips: s.vips.map((vip) => {
      const nextHops = l4Nodes(site).flatMap((n) => addressIn(n, vip) ?? []);
      return { vip, announce: 'n/a', reason: `ECMP over ${nextHops.length} L4 node(s)`, nextHops };
    }),
  };
}

function l4Service(site: Site, s: Service, reversed: boolean): ServiceStatus {
  const order = reversed ? [...s.l7.nodes].reverse() : s.l7.nodes;
  const kernel: KernelService[] = s.vips.flatMap((vip) => s.ports.map((port) => ({
    protocol: 'tcp' as const, vip, port, scheduler: 'mh', flags: [...s.l4.flags],
    destinations: order.flatMap((name) => {
      const address = addressIn(site.nodes.find((n) => n.name === name), vip);
      return address === undefined ? [] : [{ address, port, weight: 100, forwarding: 'tunnel' as const, activeConns: 0, inactiveConns: 0 }];
    }),
  })));
  const maglev = maglevServiceStatus(kernel);
  return {
    name: s.name,
    vips: s.vips.map((vip) => ({ vip, announce: 'yes', reason: `quorum met: ${s.l7.nodes.length} of ${s.l7.nodes.length} L7 nodes up` })),
    realServers: s.l7.nodes.map((name) => ({ name, address: '', health: 'up', desiredWeight: 100, kernelWeight: 100, activeConns: 0, inactiveConns: 0 })),
    ...(maglev ? { maglev } : {}),
  };
}

function l7Service(site: Site, s: Service): ServiceStatus {
  return {
    name: s.name,
    vips: s.vips.map((vip) => ({ vip, announce: 'n/a', reason: 'announced by the L4 nodes' })),
    realServers: poolOf(site, s).servers.map((server) => ({
      name: server.name, address: `${server.address}:${server.port}`, health: 'UP', desiredWeight: server.weight, kernelWeight: server.weight, activeConns: 0, inactiveConns: null,
    })),
  };
}

function dnsService(s: Service): ServiceStatus {
  return { name: s.name, realServers: [], vips: s.vips.map((vip) => ({ vip, announce: 'yes', reason: 'UP: 2 checks passed' })) };
}
