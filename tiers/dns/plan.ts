// What a DNS node should hold: gdnsd's config and zones, and the VIP states
// gdnsd answers from. Pure: the site, the node and the VIP decisions in.
import type { Site, SiteNode } from '../../site/index.js';
import type { RenderedFile } from '../common/files.js';
import { renderDns, renderDnsState } from './index.js';
import { vipUpMap, type VipDecision } from './vip-health.js';

export const CONFIG_FILE = 'gdnsd/config';
export const ZONES_PREFIX = 'gdnsd/zones/';

export interface DnsPlan {
  /** `gdnsd/config` and `gdnsd/zones/<zone>`, installed under node.agent.configDir after `gdnsd checkconf`. */
  readonly files: readonly RenderedFile[];
  /** The extfile data, written to gdnsdPaths(node).stateFile. */
  readonly state: string;
  readonly vips: readonly VipDecision[];
}

export function planDns(site: Site, node: SiteNode, vips: readonly VipDecision[]): DnsPlan {
  const files = renderDns(site, node).files.filter((f) => f.name === CONFIG_FILE || f.name.startsWith(ZONES_PREFIX));
  return { files, state: renderDnsState(site, node, vipUpMap(vips)), vips };
}

export type GdnsdChange = 'replace' | 'reload-zones' | 'none';

/**
 * What gdnsd needs after installing `changed` files (and removing stale zone
 * files): zones reload in place; anything in the config (listeners, plugins,
 * resources) takes a new process, which `gdnsd -R` starts without dropping a
 * query. A replace loads the zones too.
 */
export function gdnsdChangeFor(changed: readonly string[]): GdnsdChange {
  if (changed.includes(CONFIG_FILE)) return 'replace';
  return changed.some((n) => n.startsWith(ZONES_PREFIX)) ? 'reload-zones' : 'none';
}

/** Of two pending changes, the one that covers both: a replace loads zones too. */
export function strongerChange(a: GdnsdChange, b: GdnsdChange): GdnsdChange {
  if (a === 'replace' || b === 'replace') return 'replace';
  return a === 'reload-zones' || b === 'reload-zones' ? 'reload-zones' : 'none';
}
