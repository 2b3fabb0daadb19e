// gdnsd's files on a DNS node as view-models: every decision is made here or
// in resources.ts, the templates only print.
import type { DnsName, IpAddress, Site, SiteNode, Token, Zone, ZoneRecord } from '../../site/index.js';
import { gdnsdPaths } from './paths.js';
import { dnsResources, SERVICE_TYPE, UP_THRESH, type DynaRecord, type MetafoResource, type MultifoResource } from './resources.js';

/** gdnsd's default, written out so that the config says where it answers. */
const DNS_PORT = 53;

export interface ConfigView {
  readonly node: Token;
  readonly listen: readonly IpAddress[];
  readonly dnsPort: number;
  readonly runDir: string;
  readonly stateDir: string;
  readonly stateFile: string;
  readonly serviceType: string;
  readonly upThresh: number;
  readonly multifo: readonly MultifoResource[];
  readonly metafo: readonly MetafoResource[];
}

export interface ZoneView {
  readonly node: Token;
  readonly name: DnsName;
  readonly ttl: number;
  readonly soa: Zone['soa'];
  readonly ns: readonly DnsName[];
  readonly records: readonly ZoneRecord[];
  readonly dyna: readonly DynaRecord[];
}

export type VipState = 'UP' | 'DOWN';

export interface StateView {
  readonly node: Token;
  readonly vips: readonly { readonly address: IpAddress; readonly state: VipState }[];
}

export function configView(site: Site, node: SiteNode): ConfigView {
  const paths = gdnsdPaths(node);
  const { multifo, metafo } = dnsResources(site);
  const { ipv4, ipv6 } = node.addresses;
  return {
    node: node.name,
    listen: [ipv4, ipv6].filter((a): a is IpAddress => a !== undefined),
    dnsPort: DNS_PORT,
    runDir: paths.runDir,
    stateDir: paths.stateDir,
    stateFile: paths.stateFile,
    serviceType: SERVICE_TYPE,
    upThresh: UP_THRESH,
    multifo,
    metafo,
  };
}

/** One view per zone of the site, in file order: every DNS node serves every zone. */
export function zoneViews(site: Site, node: SiteNode): ZoneView[] {
  const { dyna } = dnsResources(site);
  return site.dns.zones.map((zone) => ({
    node: node.name,
    name: zone.name,
    ttl: zone.ttl,
    soa: zone.soa,
    ns: zone.ns,
    records: zone.records,
    dyna: dyna.filter((d) => d.zone === zone.name),
  }));
}

/**
 * Every VIP behind a DNS name, in file order, once. extfile matches entries
 * by the address text of the config, which both files take from the same
 * canonical site values. A VIP missing from `vipUp` is UP: that is what the
 * first file says, and gdnsd's own default for an entry the file lacks.
 */
export function stateView(site: Site, node: SiteNode, vipUp: ReadonlyMap<string, boolean>): StateView {
  const vips = [...new Set(site.services.filter((s) => s.dns.length > 0).flatMap((s) => s.vips))];
  return {
    node: node.name,
    vips: vips.map((address) => ({ address, state: vipUp.get(address) === false ? 'DOWN' : 'UP' })),
  };
}
