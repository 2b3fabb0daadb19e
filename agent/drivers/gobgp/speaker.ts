// The BGP speaker driver for gobgpd: reads the daemon's global RIB through
// its API (`gobgp ... global rib -j`), diffs it with the desired set, and
// adds or deletes only the paths that differ. Announcing a prefix again with
// other communities replaces the path (checked against gobgpd 3.10), so a
// graceful-shutdown switch is one `add`, never a withdraw and re-announce.
import { familyOf, type Site, type SiteNode } from '../../../site/index.js';
import { describeRun, type Runner } from '../../../tiers/common/runner.js';
import { parseGobgpRib } from '../../../tiers/ecmp/gobgp-rib.js';
import {
  describeAnnounce, describeWithdraw, diffAnnouncements, refuseForeign,
  type Announcement, type BgpSpeaker, type SpeakerResult,
} from '../../../tiers/ecmp/speaker.js';
import { FAMILIES } from '../../../tiers/ecmp/view.js';
import { gobgpAnnounceArgs, gobgpWithdrawArgs } from '../../../tiers/ecmp/view-gobgp.js';
import { processRunner } from '../kernel/runner.js';

export interface GobgpSpeakerOptions {
  readonly apiHost: string;
  readonly apiPort: number;
  readonly runner?: Runner;
}

export function gobgpSpeaker(site: Site, node: SiteNode, options: GobgpSpeakerOptions): BgpSpeaker {
  const run = options.runner ?? processRunner;
  const api = ['-u', options.apiHost, '-p', String(options.apiPort)];
  const gobgp = async (args: readonly string[]): Promise<string | undefined> => {
    const r = await run('gobgp', [...api, ...args]);
    return r.exitCode === 0 ? undefined : describeRun('gobgp', [...api, ...args], r);
  };

  const announced = async (): Promise<Announcement[]> => {
    const perFamily = await Promise.all(FAMILIES.map(async (family) => {
      const args = [...api, 'global', 'rib', '-a', family, '-j'];
      const r = await run('gobgp', args);
      if (r.exitCode !== 0) throw new Error(describeRun('gobgp', args, r));
      return parseGobgpRib(r.stdout, family);
    }));
    return perFamily.flat().sort((a, b) => (a.vip < b.vip ? -1 : 1));
  };

  const apply = async (announcement: Announcement): Promise<string | undefined> => {
    const args = gobgpAnnounceArgs(site, node, announcement.vip, { gracefulShutdown: announcement.gracefulShutdown });
    if (!args) return `node ${node.name}: expected an ${familyOf(announcement.vip)} address to announce ${announcement.vip}, got none`;
    return gobgp(args);
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
        ...changes.withdraw.map((vip) => ({ what: describeWithdraw(vip), run: () => gobgp(gobgpWithdrawArgs(vip)) })),
        ...changes.announce.map((a) => ({ what: describeAnnounce(a), run: () => apply(a) })),
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
