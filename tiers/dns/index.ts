// The DNS tier: gdnsd on DNS nodes answers each service name with the VIPs
// that are up. Pure: the site and the node in, the files out; the agent
// rewrites the VIP state file through renderDnsState as VIPs come and go.
import type { Site, SiteNode } from '../../site/index.js';
import type { NodeRender, RenderedFile } from '../common/files.js';
import { renderTemplate } from '../common/template.js';
import { configView, stateView, zoneViews } from './view.js';

export { gdnsdPaths, type GdnsdPaths } from './paths.js';
export { dnsResources, ownerIn, SERVICE_TYPE, UP_THRESH, type DnsResources } from './resources.js';
export { configView, stateView, zoneViews, type ConfigView, type StateView, type VipState, type ZoneView } from './view.js';

export const CONFIG_TEMPLATE = 'dns/config.ejs';
export const ZONE_TEMPLATE = 'dns/zone.ejs';
export const STATE_TEMPLATE = 'dns/vips.state.ejs';
/** The state file's name in the render; the agent installs it at gdnsdPaths(node).stateFile. */
export const STATE_FILE_NAME = 'gdnsd-state/vips';

export function renderDns(site: Site, node: SiteNode): NodeRender {
  if (node.role !== 'dns') return { files: [], netOps: [] };
  const config: RenderedFile = { name: 'gdnsd/config', daemon: 'gdnsd', content: renderTemplate(CONFIG_TEMPLATE, 'gdnsd', configView(site, node)) };
  const zones = zoneViews(site, node).map((z): RenderedFile => ({
    name: `gdnsd/zones/${z.name}`,
    daemon: 'gdnsd',
    content: renderTemplate(ZONE_TEMPLATE, 'zone', z),
  }));
  const state: RenderedFile = { name: STATE_FILE_NAME, daemon: 'gdnsd', content: renderDnsState(site, node, new Map()) };
  return { files: [config, ...zones, state], netOps: [] };
}

/** The extfile data: every VIP behind a DNS name, DOWN where `vipUp` says false, UP otherwise. */
export function renderDnsState(site: Site, node: SiteNode, vipUp: ReadonlyMap<string, boolean>): string {
  return renderTemplate(STATE_TEMPLATE, 'gdnsd', stateView(site, node, vipUp));
}
