// Everything an L4 node should be after one turn, as data: the kernel's
// links and addresses, the IPVS table, the BGP speaker's config and the set
// it announces. Pure: it only composes the planners and renderers of tiers/,
// so the one writer can compare two plans and the appliers need nothing else.
import type { Site, SiteNode } from '../../../site/index.js';
import type { NetOp, RenderedFile } from '../../../tiers/common/files.js';
import { BIRD_VIPS_FILE, renderEcmp } from '../../../tiers/ecmp/index.js';
import type { TimersView } from '../../../tiers/ecmp/view.js';
import { renderL4 } from '../../../tiers/l4/index.js';
import { planL4Node, type L4NodePlan, type L4Observations } from '../../../tiers/l4/plan-node.js';
import { planFlowEntropy, type FlowEntropyPlan } from '../../../tiers/l4/flow-entropy.js';
import { planConnectionSync, type ConnectionSyncPlan } from '../../../tiers/l4/connection-sync.js';

export type SpeakerDaemonName = 'gobgpd' | 'bird';

export interface SpeakerPlan {
  readonly daemon: SpeakerDaemonName;
  /** The daemon's config files (BIRD: bird.conf only; the announced set is the announcer's). */
  readonly files: readonly RenderedFile[];
  /** The BFD-only BIRD's config beside gobgpd; empty with a BIRD speaker (it answers BFD itself) or BFD off. */
  readonly bfdFiles: readonly RenderedFile[];
  /**
   * What every announced path carries besides its VIP and its graceful-shutdown
   * flag (communities, next hops): when it changes, every VIP is announced again.
   */
  readonly pathAttributes: string;
}

export interface L4Plan {
  readonly netOps: readonly NetOp[];
  readonly node: L4NodePlan;
  readonly speaker: SpeakerPlan;
  readonly flowEntropy: FlowEntropyPlan;
  readonly connectionSync: ConnectionSyncPlan;
}

/** `sessionTimers`: per BGP session, timers other than the site's (BIRD's sessions moving to new ones one at a time). */
export function planL4(site: Site, node: SiteNode, obs: L4Observations, sessionTimers?: ReadonlyMap<string, TimersView>): L4Plan {
  return {
    netOps: renderL4(site, node).netOps, node: planL4Node(site, node, obs), speaker: planSpeaker(site, node, sessionTimers),
    flowEntropy: planFlowEntropy(site, node), connectionSync: planConnectionSync(site, node),
  };
}

export function planSpeaker(site: Site, node: SiteNode, sessionTimers?: ReadonlyMap<string, TimersView>): SpeakerPlan {
  const daemon: SpeakerDaemonName = site.bgp.speaker === 'gobgp' ? 'gobgpd' : 'bird';
  const rendered = renderEcmp(site, node, sessionTimers ? { sessionTimers } : {}).files;
  const files = rendered.filter((f) => f.daemon === daemon && f.name !== BIRD_VIPS_FILE);
  const bfdFiles = rendered.filter((f) => f.daemon === 'bird-bfd');
  const pathAttributes = JSON.stringify({
    communities: site.bgp.communities,
    nextHops: [node.addresses.ipv4 ?? null, node.addresses.ipv6 ?? null],
  });
  return { daemon, files, bfdFiles, pathAttributes };
}
