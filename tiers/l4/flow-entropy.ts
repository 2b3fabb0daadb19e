// What an L4 node's flow-entropy program holds, per family: the node's own
// address (the outer source IPVS gives its tunnelled packets, and the only
// one the program rewrites) and the sources it picks from by a hash of the
// user's flow. A family with no sources, or the site turning the program
// off, leaves that family's packets as IPVS made them. Pure.
import { prefixAddresses, type Family, type IpAddress, type Site, type SiteNode } from '../../site/index.js';

export interface FlowEntropyFamily {
  readonly own: IpAddress;
  /** In prefix order: the program's table, indexed by hash modulo its length. */
  readonly sources: readonly IpAddress[];
}

export type FlowEntropyPlan = Readonly<Partial<Record<Family, FlowEntropyFamily>>>;

const FAMILIES = ['ipv4', 'ipv6'] as const;

export function planFlowEntropy(site: Site, node: SiteNode): FlowEntropyPlan {
  if (!site.l4.flowEntropy.enabled || node.role !== 'l4') return {};
  const plan: Partial<Record<Family, FlowEntropyFamily>> = {};
  for (const family of FAMILIES) {
    const own = node.addresses[family];
    const prefix = node.tunnelSources?.[family];
    if (own !== undefined && prefix !== undefined) plan[family] = { own, sources: prefixAddresses(prefix) };
  }
  return plan;
}

/** Whether the plan asks for the program at all. */
export const wantsFlowEntropy = (plan: FlowEntropyPlan): boolean => FAMILIES.some((f) => plan[f] !== undefined);

/** Every source address of the plan: what the node must hold on its device. */
export const flowEntropySources = (plan: FlowEntropyPlan): IpAddress[] => FAMILIES.flatMap((f) => plan[f]?.sources ?? []);
