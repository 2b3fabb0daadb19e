// Which VIPs gdnsd actually answers for each name, given the states the agent
// wrote: not simply the UP ones, because of gdnsd's fallbacks (resources.ts).
// Pure; for `tierlb status`, so an operator sees that a VIP marked DOWN is
// still answered when every VIP of its family is down.
import { familyOf, type DnsName, type IpAddress, type Site } from '../../site/index.js';
import type { VipDecision } from './vip-health.js';

/** VIP → the DNS names that answer it, in file order. */
export function answeredNames(site: Site, decisions: readonly VipDecision[]): Map<string, DnsName[]> {
  const up = new Map(decisions.map((d) => [d.vip, d.up]));
  const isUp = (v: IpAddress): boolean => up.get(v) !== false;
  const out = new Map<string, DnsName[]>();
  const add = (v: IpAddress | undefined, name: DnsName): void => { if (v !== undefined) out.set(v, [...(out.get(v) ?? []), name]); };
  for (const service of site.services) {
    const families = [service.vips.filter((v) => familyOf(v) === 'ipv4'), service.vips.filter((v) => familyOf(v) === 'ipv6')];
    const anyUp = service.vips.some(isUp);
    for (const answer of service.dns) {
      for (const family of families) {
        const live = family.filter(isUp);
        if (answer.policy === 'multifo') {
          // Per family: the live VIPs, or all of them when none is live (up_thresh).
          for (const v of live.length > 0 ? live : family) add(v, answer.name);
        } else {
          // metafo: the first live VIP of each family; a family with none gets no
          // answer while the other family has one; all down: the first datacenter.
          add(anyUp ? live[0] : family[0], answer.name);
        }
      }
    }
  }
  return out;
}
