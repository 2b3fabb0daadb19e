// Which L7 nodes an L4 node checks, and how: one `_all` request per L7 node
// that serves any service, at the shortest interval and timeout of the
// services it serves, with each service's own rise/fall. Pure.
import type { Site, SiteNode } from '../../site/index.js';
import type { RiseFall } from '../../tiers/l4/health.js';
import { checkedFamily } from '../../tiers/l4/recheck-hint.js';

export interface L7CheckTarget {
  readonly l7: string;
  readonly address: string;
  readonly port: number;
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly localAddress?: string;
  /** Service name → its rise/fall, for the services this L7 node serves. */
  readonly services: Readonly<Record<string, RiseFall>>;
}

export function l7CheckTargets(site: Site, node: SiteNode): L7CheckTarget[] {
  const path = `${site.l7.monitorPath.replace(/\/+$/, '')}/_all`;
  return site.nodes.filter((n) => n.role === 'l7').flatMap((l7) => {
    const served = site.services.filter((s) => s.l7.nodes.includes(l7.name));
    // The IPv4 address when both exist: the check must reach HAProxy's monitor bind, which has both.
    const family = checkedFamily(l7);
    const address = l7.addresses[family];
    if (served.length === 0 || address === undefined) return [];
    const local = node.addresses[family];
    return [{
      l7: l7.name, address, port: site.l7.monitorPort, path,
      intervalMs: Math.min(...served.map((s) => s.l7.check.interval.ms)),
      timeoutMs: Math.min(...served.map((s) => s.l7.check.timeout.ms)),
      ...(local !== undefined ? { localAddress: local } : {}),
      services: Object.fromEntries(served.map((s) => [s.name, { rise: s.l7.check.rise, fall: s.l7.check.fall }])),
    }];
  });
}
