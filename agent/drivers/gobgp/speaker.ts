// The BGP speaker driver for gobgpd: reads the daemon's global RIB through
// its gRPC API (ListPath, both families), diffs it with the desired set, and
// adds or deletes only the paths that differ. Announcing a prefix again with
// other communities replaces the path (checked against gobgpd 3.10), so a
// graceful-shutdown switch is one AddPath, never a withdraw and re-announce.
import type { Site, SiteNode } from '../../../site/index.js';
import {
  describeAnnounce, describeWithdraw, diffAnnouncements, refuseForeign,
  type Announcement, type BgpSpeaker, type SpeakerResult,
} from '../../../tiers/ecmp/speaker.js';
import { gobgpListPathRequest, parseGobgpDestinations } from '../../../tiers/ecmp/gobgp-api.js';
import { FAMILIES } from '../../../tiers/ecmp/view.js';
import type { GobgpApiPort } from './api-port.js';
import { announceVip, withdrawVip } from './rib-steps.js';

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
      const changes = diffAnnouncements(current, announcements);
      const steps = [
        ...changes.withdraw.map((vip) => ({ what: describeWithdraw(vip), run: () => withdrawVip(api, vip) })),
        ...changes.announce.map((a) => ({ what: describeAnnounce(a), run: () => announceVip(api, site, node, a) })),
      ];
      return runSteps(steps);
    },
  };
}

/** Runs every step even after a failure (VIPs are independent) and reports each failure. */
async function runSteps(steps: readonly { what: string; run: () => Promise<string | undefined> }[]): Promise<SpeakerResult> {
  const changed: string[] = [];
  const errors: string[] = [];
  for (const step of steps) {
    const error = await step.run();
    if (error) errors.push(error);
    else changed.push(step.what);
  }
  return errors.length === 0 ? { ok: true, changed } : { ok: false, error: errors.join('; '), changed };
}
