// The two writes both gobgp paths make (the driver's set() and the quick
// change): one VIP announced or withdrawn through the API, answering the
// reason it failed or undefined.
import { familyOf, type SiteNode, type IpAddress, type Site } from '../../../site/index.js';
import { gobgpAddPathRequest, gobgpDeletePathRequest, type Announcement } from '../../../tiers/ecmp/index.js';
import type { GobgpApiPort } from './api-port.js';

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
