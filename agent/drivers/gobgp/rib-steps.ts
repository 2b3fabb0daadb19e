// The writes both gobgp paths make (the driver's set() and the quick
// change): one VIP announced or withdrawn through the API, answering the
// reason it failed or undefined, and the calls that take the announced set
// from one set to another.
import { familyOf, type SiteNode, type IpAddress, type Site } from '../../../site/index.js';
import { gobgpAddPathRequest, gobgpDeletePathRequest, type Announcement } from '../../../tiers/ecmp/index.js';
import { describeAnnounce, describeWithdraw, diffAnnouncements, type SpeakerResult } from '../../../tiers/ecmp/speaker.js';
import type { GobgpApiPort } from './api-port.js';

/**
 * The withdrawals, then the announcements, that take what gobgpd holds from
 * `from` to `to`. VIPs are independent: their calls go out together on the
 * one connection, and a failed one does not hold back the others.
 */
export async function changeRib(api: GobgpApiPort, site: Site, node: SiteNode, from: readonly Announcement[], to: readonly Announcement[]): Promise<SpeakerResult> {
  const changes = diffAnnouncements(from, to);
  const steps = [
    ...changes.withdraw.map((vip) => ({ what: describeWithdraw(vip), run: () => withdrawVip(api, vip) })),
    ...changes.announce.map((a) => ({ what: describeAnnounce(a), run: () => announceVip(api, site, node, a) })),
  ];
  const results = await Promise.all(steps.map(async (s) => ({ what: s.what, error: await s.run() })));
  const errors = results.flatMap((r) => (r.error ? [r.error] : []));
  const changed = results.filter((r) => !r.error).map((r) => r.what);
  return errors.length === 0 ? { ok: true, changed } : { ok: false, error: errors.join('; '), changed };
}

/** Announcing a held prefix again replaces its path: a graceful-shutdown switch is one AddPath. */
export async function announceVip(api: GobgpApiPort, site: Site, node: SiteNode, a: Announcement): Promise<string | undefined> {
  const request = gobgpAddPathRequest(site, node, a.vip, { gracefulShutdown: a.gracefulShutdown });
  if (!request) return `node ${node.name}: expected an ${familyOf(a.vip)} address to announce ${a.vip}, got none`;
  const r = await api.addPath(request);
  return r.ok ? undefined : `announce ${a.vip}: ${r.error}`;
}

export async function withdrawVip(api: GobgpApiPort, vip: IpAddress): Promise<string | undefined> {
  const r = await api.deletePath(gobgpDeletePathRequest(vip));
  return r.ok ? undefined : `withdraw ${vip}: ${r.error}`;
}
