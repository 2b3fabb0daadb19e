// The one path both ends of a check through the tunnel agree on: the L4 node
// asks for it on each VIP and port of an http service, and the service's
// HAProxy frontend answers it itself, so no backend sees the check.
import type { Service, Site } from '../../site/index.js';

/**
 * How the L4 nodes check a service through the tunnel: an HTTP request in
 * mode http, a TCP connect otherwise. A TLS service is checked by connect
 * too: the L4 nodes would need its certificates' trust to ask over TLS, and
 * a connect already proves the VIP reaches HAProxy on that node.
 */
export function tunnelCheckMode(service: Pick<Service, 'l7'>): 'http' | 'tcp' {
  return service.l7.mode === 'http' && service.l7.tls === undefined ? 'http' : 'tcp';
}

export function tunnelCheckPath(site: Site, service: Pick<Service, 'name'>): string {
  return `${site.l7.monitorPath.replace(/\/+$/, '')}/${service.name}/tunnel`;
}
