// The outer sources an L4 node spreads its tunnelled flows over: only on L4
// nodes, of a family the node has an address of, and addresses nothing else
// in the site uses (the node adds each one to its device, and the users'
// traffic and the other nodes must never be sent there).
import { familyOf, type IpAddress } from './brand.js';
import type { ParsedSite } from './schema.js';
import type { Report } from './crosscheck-report.js';
import { prefixHolds, type Prefix } from './prefix.js';

const FAMILIES = ['ipv4', 'ipv6'] as const;

interface Used { readonly address: IpAddress; readonly what: string }

export function checkTunnelSources(site: Pick<ParsedSite, 'services' | 'pools' | 'nodes'>, report: Report): void {
  const used = usedAddresses(site);
  const taken: { readonly prefix: Prefix; readonly node: string }[] = [];
  site.nodes.forEach((node, i) => {
    if (!node.tunnelSources) return;
    if (node.role !== 'l4') {
      report(['nodes', i, 'tunnelSources'], `only l4 nodes send tunnelled packets; "${node.name}" has role "${node.role}"`);
      return;
    }
    for (const family of FAMILIES) {
      const prefix = node.tunnelSources[family];
      if (prefix === undefined) continue;
      const at = ['nodes', i, 'tunnelSources', family];
      if (!node.addresses[family]) report(at, `"${node.name}" has no ${family} address: it sends no ${family === 'ipv4' ? 'IPIP' : 'ip6ip6'} packets to give these sources to`);
      const clash = used.find((u) => familyOf(u.address) === family && prefixHolds(prefix, u.address));
      if (clash) report(at, `${prefix} holds ${clash.address}, ${clash.what}: the node would take it over`);
      const other = taken.find((t) => overlaps(t.prefix, prefix));
      if (other) report(at, `${prefix} overlaps ${other.prefix}, the tunnelSources of "${other.node}"`);
      taken.push({ prefix, node: node.name });
    }
  });
}

function usedAddresses(site: Pick<ParsedSite, 'services' | 'pools' | 'nodes'>): Used[] {
  return [
    ...site.nodes.flatMap((n) => FAMILIES.flatMap((f) => (n.addresses[f] ? [{ address: n.addresses[f], what: `the address of node "${n.name}"` }] : []))),
    ...site.services.flatMap((s) => s.vips.map((v) => ({ address: v, what: `a VIP of service "${s.name}"` }))),
    ...site.pools.flatMap((p) => p.servers.map((s) => ({ address: s.address, what: `the address of server "${s.name}" of pool "${p.name}"` }))),
  ];
}

/** Two prefixes overlap when one holds the other's first address. */
function overlaps(a: Prefix, b: Prefix): boolean {
  const first = (p: Prefix): IpAddress => p.split('/')[0] as IpAddress;
  const family = (p: Prefix): string => (p.includes(':') ? 'ipv6' : 'ipv4');
  return family(a) === family(b) && (prefixHolds(a, first(b)) || prefixHolds(b, first(a)));
}
