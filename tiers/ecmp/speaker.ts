// The L4 node's BGP speaker as the agent sees it: one door that takes the
// whole set of VIPs to announce (as MetalLB's Session.Set does), and the pure
// diff both drivers share. A driver reads what its daemon announces, makes
// the minimal changes, and returns what it changed and what failed as values.
import { allVips, type IpAddress, type Site, type SiteNode } from '../../site/index.js';

export interface Announcement {
  readonly vip: IpAddress;
  /** RFC 8326: announce with the graceful-shutdown community, so peers move traffic away first. */
  readonly gracefulShutdown: boolean;
}

export type SpeakerResult =
  | { readonly ok: true; readonly changed: string[] }
  | { readonly ok: false; readonly error: string; readonly changed: string[] };

export interface BgpSpeaker {
  /** Makes the announced set equal `announcements` (the whole set, not a change); applying twice changes nothing. */
  set(announcements: readonly Announcement[]): Promise<SpeakerResult>;
  /** What the daemon announces now, sorted by VIP. */
  announced(): Promise<Announcement[]>;
}

export interface AnnouncementChanges {
  /** New VIPs, and VIPs whose graceful-shutdown flag changes: announcing again replaces the path. */
  readonly announce: readonly Announcement[];
  readonly withdraw: readonly IpAddress[];
}

/**
 * One announcement per VIP, sorted. A VIP listed twice is draining if either
 * entry says so: the community only lowers the path's preference, so the
 * safe reading of a contradiction is the one that moves traffic away.
 */
export function normalizeAnnouncements(announcements: readonly Announcement[]): Announcement[] {
  const byVip = new Map<IpAddress, boolean>();
  for (const a of announcements) byVip.set(a.vip, (byVip.get(a.vip) ?? false) || a.gracefulShutdown);
  return [...byVip].map(([vip, gracefulShutdown]) => ({ vip, gracefulShutdown })).sort(byVipOrder);
}

export function diffAnnouncements(current: readonly Announcement[], desired: readonly Announcement[]): AnnouncementChanges {
  const now = new Map(normalizeAnnouncements(current).map((a) => [a.vip, a.gracefulShutdown]));
  const wanted = normalizeAnnouncements(desired);
  const wantedVips = new Set(wanted.map((a) => a.vip));
  return {
    announce: wanted.filter((a) => now.get(a.vip) !== a.gracefulShutdown),
    withdraw: [...now.keys()].filter((vip) => !wantedVips.has(vip)).sort(),
  };
}

/** VIPs a node must not announce: not in the site (a stale or mistyped set). */
export function foreignVips(site: Site, announcements: readonly Announcement[]): IpAddress[] {
  const known = new Set<string>(allVips(site));
  return announcements.map((a) => a.vip).filter((vip) => !known.has(vip));
}

/** The words of `changed`: `announce 198.51.100.1`, `announce 198.51.100.1 graceful-shutdown`, `withdraw 198.51.100.1`. */
export function describeAnnounce(a: Announcement): string {
  return a.gracefulShutdown ? `announce ${a.vip} graceful-shutdown` : `announce ${a.vip}`;
}

export function describeWithdraw(vip: IpAddress): string {
  return `withdraw ${vip}`;
}

export function describeChanges(changes: AnnouncementChanges): string[] {
  return [...changes.withdraw.map(describeWithdraw), ...changes.announce.map(describeAnnounce)];
}

/** A refusal before any change: the set names a VIP this site does not have. */
export function refuseForeign(site: Site, node: SiteNode, announcements: readonly Announcement[]): SpeakerResult | undefined {
  const foreign = foreignVips(site, announcements);
  if (foreign.length === 0) return undefined;
  return { ok: false, error: `node ${node.name}: expected VIPs of site ${site.name}, got ${foreign.join(', ')}`, changed: [] };
}

const byVipOrder = (a: Announcement, b: Announcement): number => (a.vip < b.vip ? -1 : a.vip > b.vip ? 1 : 0);
