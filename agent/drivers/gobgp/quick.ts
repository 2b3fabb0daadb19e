// Moving traffic away from this node without delay. While the same gobgpd
// process runs, what it announces is exactly what the agent last gave it
// (the agent is its only writer), so a withdraw or a switch to the
// graceful-shutdown community needs only the changing API calls, not the two
// RIB reads the driver's set() starts with: every moment they take is time
// routers keep sending flows here. Every other change goes through the
// driver's full set(), which reads the RIB and repairs whatever differs.
import type { Site, SiteNode } from '../../../site/index.js';
import { describeAnnounce, describeWithdraw, diffAnnouncements, type Announcement, type SpeakerResult } from '../../../tiers/ecmp/speaker.js';
import type { GobgpApiPort } from './api-port.js';
import { announceVip, withdrawVip } from './rib-steps.js';

export type QuickChange = (from: readonly Announcement[], to: readonly Announcement[]) => Promise<SpeakerResult>;

export function gobgpQuickChange(site: Site, node: SiteNode, api: GobgpApiPort): QuickChange {
  return async (from, to) => {
    const changes = diffAnnouncements(from, to);
    const steps = [
      ...changes.withdraw.map((vip) => ({ what: describeWithdraw(vip), run: () => withdrawVip(api, vip) })),
      ...changes.announce.map((a) => ({ what: describeAnnounce(a), run: () => announceVip(api, site, node, a) })),
    ];
    // VIPs are independent: their calls go out together on the one connection.
    const results = await Promise.all(steps.map(async (s) => ({ what: s.what, error: await s.run() })));
    const errors = results.flatMap((r) => (r.error ? [r.error] : []));
    const changed = results.filter((r) => !r.error).map((r) => r.what);
    return errors.length === 0 ? { ok: true, changed } : { ok: false, error: errors.join('; '), changed };
  };
}
