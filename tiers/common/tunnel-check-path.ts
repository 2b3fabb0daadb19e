// The one path both ends of a check through the tunnel agree on: the L4 node
// asks for it on each VIP and port of an http service, and the service's
// HAProxy frontend answers it itself, so no backend sees the check.
import type { Service, Site } from '../../site/index.js';

export function tunnelCheckPath(site: Site, service: Pick<Service, 'name'>): string {
  return `${site.l7.monitorPath.replace(/\/+$/, '')}/${service.name}/tunnel`;
}
