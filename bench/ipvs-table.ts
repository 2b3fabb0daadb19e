// The synthetic IPVS table the IPVS benches change one weight in: 1000
// services on their own VIPs, each with the same 50 tunnel destinations, so
// the guest's kernel figures and the host's pure figures are of one table.
import type { IpvsDestination, IpvsService, IpvsState } from '../tiers/l4/model.js';

export const SERVICES = 1000;
export const DESTS = 50;

/** `n` services; the last destination of the last service at `weightOfLast`, every other at 100. */
export function benchTable(n: number, weightOfLast = 100): IpvsState {
  const services: IpvsService[] = [];
  for (let i = 0; i < n; i++) {
    const destinations: IpvsDestination[] = [];
    for (let j = 0; j < DESTS; j++) {
      const weight = i === n - 1 && j === DESTS - 1 ? weightOfLast : 100;
      destinations.push({ node: `l7-${j}`, address: `10.1.${j >> 8}.${(j & 255) + 1}`, port: 80, forwarding: 'tunnel', weight } as unknown as IpvsDestination);
    }
    services.push({ service: 'bench', protocol: 'tcp', vip: `198.18.${i >> 8}.${i & 255}`, family: 'ipv4', port: 80, scheduler: 'mh', flags: ['mh-port'], destinations } as unknown as IpvsService);
  }
  return { services };
}
