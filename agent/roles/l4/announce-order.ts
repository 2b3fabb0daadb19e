// Which goes first in a turn, the IPVS table or the announcements. Learn
// before announcing: a VIP announced (or un-drained) for the first time waits
// for the table to be applied and verified. Moving traffic away (withdraw,
// graceful-shutdown community) needs no new table, and every second it waits
// is a second routers keep sending flows here, so it goes first. Pure.
import { normalizeAnnouncements, type Announcement } from '../../../tiers/ecmp/index.js';

/** True when `desired` attracts traffic that `current` did not: a new VIP, or one leaving graceful shutdown. */
export function announcesMore(current: readonly Announcement[] | undefined, desired: readonly Announcement[]): boolean {
  const now = new Map(normalizeAnnouncements(current ?? []).map((a) => [a.vip as string, a.gracefulShutdown]));
  return normalizeAnnouncements(desired).some((a) => {
    const was = now.get(a.vip);
    return was === undefined || (was && !a.gracefulShutdown);
  });
}

export function sameAnnouncements(a: readonly Announcement[] | undefined, b: readonly Announcement[]): boolean {
  return a !== undefined && JSON.stringify(normalizeAnnouncements(a)) === JSON.stringify(normalizeAnnouncements(b));
}
