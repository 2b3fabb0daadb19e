// The IPVS table an L4 node wants, from the site and the L7 weights the
// agent derived from health. Pure: the same inputs give the same table on
// every L4 node, which is what keeps their Maglev tables identical.
import { familyOf, type IpAddress, type Port, type Service, type Site, type SiteNode } from '../../site/index.js';
import { canonicalFlags, FULL_WEIGHT, MAX_WEIGHT, type IpvsDestination, type IpvsService, type IpvsState } from './model.js';
import { destinationOrder } from './order.js';

/** L7 node name → IPVS weight. A node missing from the map gets FULL_WEIGHT. */
export type L7Weights = ReadonlyMap<string, number>;

/** Service name → its own L7 weights, for when health differs per service; it wins over the node-wide map. */
export type ServiceWeights = ReadonlyMap<string, L7Weights>;

const NO_WEIGHTS: L7Weights = new Map();

export function planIpvs(site: Site, node: SiteNode, weights: L7Weights = NO_WEIGHTS, perService?: ServiceWeights): IpvsState {
  if (node.role !== 'l4') return { services: [] };
  checkWeights(weights);
  for (const w of perService?.values() ?? []) checkWeights(w);
  return { services: site.services.flatMap((s) => servicesOf(site, s, perService?.get(s.name) ?? weights)) };
}

function servicesOf(site: Site, service: Service, weights: L7Weights): IpvsService[] {
  const ports = [...service.ports].sort((a, b) => a - b);
  return service.vips.flatMap((vip) => ports.map((port) => serviceAt(site, service, vip, port, weights)));
}

function serviceAt(site: Site, service: Service, vip: IpAddress, port: Port, weights: L7Weights): IpvsService {
  const family = familyOf(vip);
  const destinations = destinationOrder(site, service).map((l7): IpvsDestination => {
    const address = l7.addresses[family];
    if (!address) throw new Error(`service ${service.name}: l7 node ${l7.name} has no ${family} address for VIP ${vip}; the site parser should have refused this`);
    return { node: l7.name, address, port, forwarding: 'tunnel', weight: weights.get(l7.name) ?? FULL_WEIGHT };
  });
  return {
    service: service.name,
    protocol: service.protocol,
    vip,
    family,
    port,
    scheduler: service.l4.scheduler,
    flags: canonicalFlags(service.l4.flags),
    destinations,
  };
}

/** Weights come from the agent, not the file: a bad one is a bug, refused loudly. */
function checkWeights(weights: L7Weights): void {
  for (const [name, w] of weights) {
    if (!Number.isInteger(w) || w < 0 || w > MAX_WEIGHT) {
      throw new RangeError(`weight of l7 node ${name}: expected an integer from 0 to ${MAX_WEIGHT}, got ${w}`);
    }
  }
}
