// Text for an L4 node: `ipvs.rules` (input for `ipvsadm -R` on an empty
// table; the applier diffs a running one instead of restoring over it) and
// `sysctl.conf`, plus the NetOps the agent applies. Pure.
//
// Apply order matters: modprobe ip_vs and ip_vs_mh (the sysctl keys appear
// with the module), the NetOps, and the node's uplink route before the
// rules: the kernel refuses an IPv4 tunnel destination it has no unicast
// route to ("address not unicast"), as a run in the UML kernel showed.
import type { Site, SiteNode } from '../../site/index.js';
import type { NodeRender } from '../common/files.js';
import { renderTemplate } from '../common/template.js';
import type { IpvsState } from './model.js';
import { planIpvs } from './plan.js';
import { planNetOps } from './sysctl.js';
import { ipvsRulesView, sysctlView } from './view.js';

/**
 * `ipvsadm -R` input for any state: one `-A` line per service, then one `-a`
 * line per destination in add order (the order is the Maglev table; see order.ts).
 */
export function ipvsRulesText(state: IpvsState): string {
  return renderTemplate('l4/ipvs.rules.ejs', 'ipvsadm', ipvsRulesView(state));
}

/** Files and NetOps of an L4 node at full weight; nothing for other roles. */
export function renderL4(site: Site, node: SiteNode): NodeRender {
  if (node.role !== 'l4') return { files: [], netOps: [] };
  const netOps = planNetOps(site, node);
  return {
    files: [
      { name: 'ipvs.rules', daemon: 'ipvs', content: ipvsRulesText(planIpvs(site, node)) },
      { name: 'sysctl.conf', daemon: 'kernel', content: renderTemplate('l4/sysctl.conf.ejs', 'text', sysctlView(netOps)) },
    ],
    netOps,
  };
}
