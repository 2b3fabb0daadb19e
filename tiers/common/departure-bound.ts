// How long a node that left a service keeps what its flows need (the L4
// nodes' weight-0 entry, the L7 node's VIP address): the service's longest
// HAProxy timeout, by which an idle connection is gone at HAProxy anyway. Pure.
import type { Service } from '../../site/index.js';

export function departureBoundMs(service: Service | undefined): number {
  if (!service) return 0;
  const t = service.l7.timeouts;
  return Math.max(t.client.ms, t.server.ms);
}
