// Whether an L4 node's IPVS holds a site's destination lists: every planned
// service with its L7 nodes in the planned order (the kernel's, oldest
// first, once the applier has converged: it restores the site's order) and
// at the planned weight, and no other destination. A Maglev table is built
// from exactly that list, weights and order, so a flow read before the list
// is complete answers for another table. Pure.
import { nodesWithRole, type Site } from '../../site/index.js';
import { kernelEndpoint, type KernelService } from '../../tiers/l4/kernel.js';
import { planIpvs } from '../../tiers/l4/plan.js';
import { toBigInt } from '../../lab/addr.js';

export interface WantedList {
  readonly vip: string;
  readonly port: number;
  /** `l7-1 100` per destination, oldest first. */
  readonly destinations: readonly string[];
}

/** Every IPVS service the site plans, with every L7 node healthy (full weight). */
export function wantedLists(site: Site): WantedList[] {
  const l4 = nodesWithRole(site, 'l4')[0];
  if (!l4) return [];
  return planIpvs(site, l4).services.map((s) => ({ vip: s.vip, port: s.port, destinations: s.destinations.map((d) => `${d.node} ${d.weight}`) }));
}

/** The first way `kernel` differs from `wanted`, in words; undefined when it holds every list. `nodeOf` names an L7 node by its address. */
export function listDifference(kernel: readonly KernelService[], wanted: readonly WantedList[], nodeOf: (address: string) => string): string | undefined {
  for (const w of wanted) {
    // Compared as numbers: the kernel's spelling of an IPv6 VIP need not be the site's.
    const k = kernel.find((s) => s.protocol === 'tcp' && s.port === w.port && toBigInt(s.vip) === toBigInt(w.vip));
    if (!k) return `no IPVS service ${kernelEndpoint(w.vip, w.port)}`;
    const has = k.destinations.map((d) => `${nodeOf(d.address)} ${d.weight}`);
    if (has.join(', ') !== w.destinations.join(', ')) return `${kernelEndpoint(w.vip, w.port)}: ${has.join(', ') || 'no destination'} (expected ${w.destinations.join(', ')})`;
  }
  return undefined;
}
