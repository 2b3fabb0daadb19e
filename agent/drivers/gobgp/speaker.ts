// The BGP speaker driver for gobgpd: reads the daemon's global RIB through
// its gRPC API (ListPath, both families), diffs it with the desired set, and
// adds or deletes only the paths that differ. Announcing a prefix again with
// other communities replaces the path (checked against gobgpd 3.10), so a
// graceful-shutdown switch is one AddPath, never a withdraw and re-announce.
import type { Site, SiteNode } from '../../../site/index.js';
import { refuseForeign, type Announcement, type BgpSpeaker, type SpeakerResult } from '../../../tiers/ecmp/speaker.js';
import { gobgpListPathRequest, parseGobgpDestinations } from '../../../tiers/ecmp/gobgp-api.js';
import { FAMILIES } from '../../../tiers/ecmp/view.js';
import type { GobgpApiPort } from './api-port.js';
import { changeRib } from './rib-steps.js';

export function gobgpSpeaker(site: Site, node: SiteNode, api: GobgpApiPort): BgpSpeaker {
  /** What gobgpd announces of ours; throws (BgpSpeaker's contract) when it cannot be read or makes no sense. */
  const announced = async (): Promise<Announcement[]> => {
    const perFamily = await Promise.all(FAMILIES.map(async (family) => {
      const answers = await api.listPath(gobgpListPathRequest(family));
      if (!answers.ok) throw new Error(answers.error);
      const reading = parseGobgpDestinations(answers.value, family, site.bgp.communities.gracefulShutdown);
      if (!reading.ok) throw new Error(reading.error);
      return reading.value;
    }));
    return perFamily.flat().sort((a, b) => (a.vip < b.vip ? -1 : 1));
  };

  return {
    announced,
    async set(announcements): Promise<SpeakerResult> {
      const refused = refuseForeign(site, node, announcements);
      if (refused) return refused;
      let current: Announcement[];
      try {
        current = await announced();
      } catch (error) {
        return { ok: false, error: (error as Error).message, changed: [] };
      }
      return changeRib(api, site, node, current, announcements);
    },
  };
}
