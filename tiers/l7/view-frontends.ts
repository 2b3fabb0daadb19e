// Frontends: the services' VIP listeners, the monitor the L4 nodes check and
// the stats/metrics listener, all bound to addresses that are local on the
// node (VIPs on lo, the node's own addresses), so no `transparent` is needed.
import type { HttpPath, Service, Site, SiteNode } from '../../site/index.js';
import { endpoint } from './endpoint.js';
import type { Endpoint, MonitorView, ServiceMonitorView, StatsView } from './view-types.js';

/**
 * Short on purpose: the monitor and stats clients are our own L4 nodes and
 * Prometheus, which send one request and go. It bounds idle connections.
 */
const ADMIN_TIMEOUT_CLIENT = '10s';

/** One bind per VIP and port, VIPs in file order then ports in file order. */
export function frontendBinds(service: Service): Endpoint[] {
  return service.vips.flatMap((vip) => service.ports.map((port) => endpoint(vip, port)));
}

/**
 * Where one request tells an L4 node the state of every service of this L7
 * node, so each L4 node makes one check per L7 node however many services
 * there are. `_all` cannot be a service name: names start with a letter or digit.
 */
export function allServicesMonitorPath(base: HttpPath): string {
  return `${base.replace(/\/+$/, '')}/_all`;
}

/** `/tierlb/health` + `web` → `/tierlb/health/web`, also when the base ends in '/'. */
export function serviceMonitorPath(base: HttpPath, service: Service): string {
  return `${base.replace(/\/+$/, '')}/${service.name}`;
}

export function monitorView(site: Site, node: SiteNode, services: readonly Service[], backendOf: (s: Service) => string): MonitorView {
  const port = site.l7.monitorPort;
  const binds = [node.addresses.ipv4, node.addresses.ipv6]
    .filter((a) => a !== undefined)
    .map((a) => endpoint(a, port));
  const perService: ServiceMonitorView[] = services.map((s) => ({
    name: s.name,
    path: serviceMonitorPath(site.l7.monitorPath, s),
    backend: backendOf(s),
  }));
  return { binds, path: site.l7.monitorPath, allPath: allServicesMonitorPath(site.l7.monitorPath), timeoutClient: ADMIN_TIMEOUT_CLIENT, services: perService };
}

/** One listener is enough for a scraper: the node's IPv4 address if it has one, else its IPv6 one. */
export function statsView(site: Site, node: SiteNode): StatsView {
  const address = node.addresses.ipv4 ?? node.addresses.ipv6;
  if (address === undefined) throw new Error(`node ${node.name}: a parsed node has an address`);
  return {
    bind: endpoint(address, site.l7.statsPort),
    uri: '/stats',
    metricsPath: '/metrics',
    timeoutClient: ADMIN_TIMEOUT_CLIENT,
  };
}
