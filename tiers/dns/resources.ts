// Which gdnsd plugin resource answers each service DNS name, and how. Pure.
//
// policy `multifo` ("every VIP that is up"): a multifo resource with the
// service's VIPs. multifo answers with the non-down addresses of each family
// only while they pass `up_thresh` (non_down >= ceil(up_thresh * total)), and
// with all of them otherwise; UP_THRESH makes one survivor enough.
//
// policy `first-up` ("the first VIP in list order that is up"): gdnsd has no
// such plugin. simplefo stops at two addresses, and multifo returns every
// survivor. metafo is an ordered failover over "datacenters" that takes the
// first one whose sub-resource is not failed; a synthesized multifo with one
// address of each family fails as soon as either address is down (metafo and
// multifo judge a resource as a whole, not per family). So the datacenters are
// every (v4 i, v6 j) pair in lexicographic order, whose first live pair is
// (first live v4, first live v6) — exact per family — then each v4 alone and
// each v6 alone, so that a family with no live VIP gets no answer instead of
// a dead VIP while the other family still follows first-up. When every
// datacenter fails, metafo answers with the first (the first VIP of each
// family), like multifo's all-down fallback.
import { familyOf, type DnsAnswer, type DnsName, type Ipv4, type Ipv6, type Service, type Site, type Token } from '../../site/index.js';

/** The extfile service_type every resource is monitored with. */
export const SERVICE_TYPE = 'tierlb-vips';
/** ceil(0.01 * n) is 1 for up to 100 VIPs per family: one live VIP is always answered alone. */
export const UP_THRESH = 0.01;
/** metafo numbers datacenters in 8 bits (gdnsd src/plugins/meta_core.inc). */
const MAX_DATACENTERS = 255;

export interface MultifoResource { readonly name: DnsName; readonly service: Token; readonly v4: readonly Ipv4[]; readonly v6: readonly Ipv6[] }
export interface Datacenter { readonly name: string; readonly v4?: Ipv4; readonly v6?: Ipv6 }
export interface MetafoResource { readonly name: DnsName; readonly service: Token; readonly datacenters: readonly Datacenter[] }
export interface DynaRecord { readonly zone: DnsName; readonly owner: string; readonly ttl: number; readonly plugin: 'multifo' | 'metafo'; readonly resource: DnsName }

export interface DnsResources {
  readonly multifo: readonly MultifoResource[];
  readonly metafo: readonly MetafoResource[];
  readonly dyna: readonly DynaRecord[];
}

/** Every service DNS name of the site, in file order. A resource is named after its DNS name, which the parser keeps unique. */
export function dnsResources(site: Site): DnsResources {
  const multifo: MultifoResource[] = [];
  const metafo: MetafoResource[] = [];
  const dyna: DynaRecord[] = [];
  for (const service of site.services) {
    for (const answer of service.dns) {
      const r = resourceFor(service, answer);
      if (r.plugin === 'multifo') multifo.push(r.resource);
      else metafo.push(r.resource);
      dyna.push({ zone: answer.zone, owner: ownerIn(answer.zone, answer.name), ttl: answer.ttl, plugin: r.plugin, resource: answer.name });
    }
  }
  return { multifo, metafo, dyna };
}

type Resource = { plugin: 'multifo'; resource: MultifoResource } | { plugin: 'metafo'; resource: MetafoResource };

function resourceFor(service: Service, answer: DnsAnswer): Resource {
  const v4 = service.vips.filter((v): v is Ipv4 => familyOf(v) === 'ipv4');
  const v6 = service.vips.filter((v): v is Ipv6 => familyOf(v) === 'ipv6');
  switch (answer.policy) {
    case 'multifo':
      return { plugin: 'multifo', resource: { name: answer.name, service: service.name, v4, v6 } };
    case 'first-up':
      return { plugin: 'metafo', resource: { name: answer.name, service: service.name, datacenters: firstUpDatacenters(service, v4, v6) } };
  }
}

function firstUpDatacenters(service: Service, v4: readonly Ipv4[], v6: readonly Ipv6[]): Datacenter[] {
  const pairs = v4.flatMap((a, i) => v6.map((b, j) => ({ name: `v4-${i + 1}_v6-${j + 1}`, v4: a, v6: b })));
  const v4Alone = v4.map((a, i) => ({ name: `v4-${i + 1}`, v4: a }));
  const v6Alone = v6.map((b, j) => ({ name: `v6-${j + 1}`, v6: b }));
  const all = [...pairs, ...v4Alone, ...v6Alone];
  if (all.length > MAX_DATACENTERS) {
    throw new Error(`service ${service.name}: policy first-up needs ${all.length} gdnsd metafo datacenters, expected at most ${MAX_DATACENTERS}`);
  }
  return all;
}

/** The owner name relative to the zone's origin, as zone files write it. */
export function ownerIn(zone: DnsName, name: DnsName): string {
  return name === zone ? '@' : name.slice(0, -(zone.length + 1));
}
