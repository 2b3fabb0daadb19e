// Moving traffic away from this node without delay. While the same gobgpd
// process runs, what it announces is exactly what the agent last gave it
// (the agent is its only writer), so a withdraw or a switch to the
// graceful-shutdown community needs only the changing API calls, not the two
// RIB reads the driver's set() starts with: every moment they take is time
// routers keep sending flows here. Every other change goes through the
// driver's full set(), which reads the RIB and repairs whatever differs.
import type { Site, SiteNode } from '../../../site/index.js';
import type { Announcement, SpeakerResult } from '../../../tiers/ecmp/speaker.js';
import type { GobgpApiPort } from './api-port.js';
import { changeRib } from './rib-steps.js';

export type QuickChange = (from: readonly Announcement[], to: readonly Announcement[]) => Promise<SpeakerResult>;

export function gobgpQuickChange(site: Site, node: SiteNode, api: GobgpApiPort): QuickChange {
  return (from, to) => changeRib(api, site, node, from, to);
}
