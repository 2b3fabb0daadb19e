// The order of destinations is part of the desired state, not a detail.
//
// The kernel's mh scheduler builds its Maglev table by walking the service's
// destination list and letting each destination claim its next preferred
// slot in turn; when two destinations want the same slot, the one earlier in
// the list wins. The permutations depend only on the addresses, but the list
// order decides the conflicts. So two L4 nodes with the same *set* of L7
// nodes but a different *order* schedule some flows differently, and a flow
// that ECMP moves between them lands on another L7 node and is reset.
//
// The kernel keeps that list newest-first (ip_vs_add_dest uses list_add at
// the head). The canonical add order is the order of the l7 nodes in the
// site file; new L7 nodes are best appended to the file, because a long-running
// L4 node then just adds the new node last and ends with the same kernel list
// as a freshly started one. When an L4 node's kernel order differs anyway (an
// L7 node inserted in the middle of the file, site versions that reached L4
// nodes in another order, a hand edit), the applier moves the destinations
// after the longest in-order prefix behind it: each deleted and re-added in the
// same netlink datagram, which brings it back from the kernel's trash as the
// same object with its connections (tiers/l4/diff.ts). Consequences:
//   * never sort destinations (`ipvsadm -S` sorts by address; do not imitate);
//   * change weights in place (weight 0 = quiescent), never by delete + add.
import type { Service, Site, SiteNode } from '../../site/index.js';

/** The L7 nodes of `service`, in the order every L4 node adds them: the site file's. */
export function destinationOrder(site: Site, service: Service): SiteNode[] {
  // Derived from site.nodes rather than trusting service.l7.nodes' order, so a
  // hand-built Service cannot reorder the table.
  const wanted = new Set<string>(service.l7.nodes);
  return site.nodes.filter((n) => n.role === 'l7' && wanted.has(n.name));
}
