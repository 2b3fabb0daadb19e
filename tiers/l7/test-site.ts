// Sites for the L7 tests: the example, and the example changed before parsing.
import { nodeNamed, nodesWithRole, type Site, type SiteNode } from '../../site/index.js';
import { exampleValue, parseValue } from '../../test/helpers/site.js';

export function nodeOf(site: Site, name: string): SiteNode {
  const node = nodeNamed(site, name);
  if (!node) throw new Error(`test site has no node ${name}`);
  return node;
}

export const l7Nodes = (site: Site): SiteNode[] => nodesWithRole(site, 'l7');

/**
 * The example as YAML gives it: tests reach into it freely before parsing, and
 * the parser, not the type system, is what they exercise.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ExampleValue = Record<string, any>;

/** The example with `change` applied to its plain value, parsed; throws on issues. */
export function changedSite(change: (value: ExampleValue) => void): Site {
  const value = exampleValue();
  change(value);
  const { site, issues } = parseValue(value);
  if (!site) throw new Error(`changed example is invalid: ${JSON.stringify(issues)}`);
  return site;
}

/** The example with IPv6 only: v6 VIPs, v6 servers, and l7-1 without an IPv4 address. */
export function ipv6OnlySite(): Site {
  return changedSite((v) => {
    for (const s of v.services) s.vips = s.vips.filter((a: string) => a.includes(':'));
    v.pools[0].servers = v.pools[0].servers.filter((s: { address: string }) => s.address.includes(':'));
    for (const s of v.pools[1].servers) s.address = s.address.replace('10.0.2.', 'fd00:2::');
    v.nodes[7].addresses = { ipv6: 'fd00:1::31' };
  });
}

/**
 * The example with every L7 feature on: TLS with two certificates and ALPN
 * on web, slow start on both services, and PROXY protocol v2 to the servers
 * of api (mode tcp).
 */
export function featuresSite(): Site {
  return changedSite((v) => {
    v.services[0].l7.tls = { certificates: ['/etc/tierlb/certs/www.pem', '/etc/tierlb/certs/www-ecdsa.pem'], minVersion: 'TLSv1.2', alpn: ['h2', 'http/1.1'] };
    v.services[0].l7.slowStart = '30s';
    v.services[1].l7.proxyProtocol = 'v2';
    v.services[1].l7.slowStart = '1m';
    v.services[1].l4.rampUp = '20s';
  });
}
