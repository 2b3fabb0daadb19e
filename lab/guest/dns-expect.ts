// What the lab's DNS check asks and expects, from the site file alone: every
// service DNS name, answered with what gdnsd answers while every VIP is up
// (tiers/dns/answers.ts: multifo, every VIP of the family; first-up, the first
// VIP of each family). Pure.
import { familyOf, type Site } from '../../site/index.js';
import { answeredNames } from '../../tiers/dns/answers.js';

export interface DnsExpectation {
  readonly name: string;
  readonly service: string;
  readonly policy: string;
  /** In the site file's order. */
  readonly A: readonly string[];
  readonly AAAA: readonly string[];
}

/** Every service DNS name of the site, in file order, with its answers while every VIP is up. */
export function dnsExpectations(site: Site): DnsExpectation[] {
  const namesOf = answeredNames(site, []);
  return site.services.flatMap((service) => service.dns.map((answer) => {
    const vips = service.vips.filter((v) => namesOf.get(v)?.includes(answer.name) === true);
    return {
      name: answer.name, service: service.name, policy: answer.policy,
      A: vips.filter((v) => familyOf(v) === 'ipv4'), AAAA: vips.filter((v) => familyOf(v) === 'ipv6'),
    };
  }));
}

/** The check's name: the site's own DNS names and the VIPs each must be answered with. */
export function dnsCheckName(expected: readonly DnsExpectation[]): string {
  if (expected.length === 0) return 'DNS: the site names no service in DNS, nothing to ask';
  const one = (e: DnsExpectation): string => `${e.name} with ${[...e.A, ...e.AAAA].join(' ') || 'no address'}${e.policy === 'multifo' ? '' : ` (${e.policy})`}`;
  return `DNS answers ${expected.map(one).join('; ')}`;
}

/** Whether `dig +short` lines are exactly the expected addresses, in any order. */
export function sameAnswers(got: readonly string[], expected: readonly string[]): boolean {
  const a = [...got].sort();
  const b = [...expected].sort();
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
