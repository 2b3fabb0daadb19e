// DNS cross-checks: every service name falls in a zone the site serves, a DNS
// node exists to serve it, and no name is claimed twice.
import { familyOf } from './brand.js';
import type { ParsedSite } from './schema.js';
import { reportDuplicates, type Report } from './crosscheck-report.js';

/** The longest zone that contains the name, if any. */
export function zoneOf(name: string, zones: readonly string[]): string | undefined {
  return zones
    .filter((z) => name === z || name.endsWith(`.${z}`))
    .sort((a, b) => b.length - a.length)[0];
}

/** Checks that read the zones alone. */
export function checkZones(site: Pick<ParsedSite, 'dns'>, report: Report): void {
  reportDuplicates(site.dns.zones, (z) => z.name, (i) => ['dns', 'zones', i, 'name'], 'zone', report);
  site.dns.zones.forEach((zone, z) => {
    const outer = site.dns.zones.find((o) => zone.name.endsWith(`.${o.name}`));
    if (outer) {
      report(['dns', 'zones', z, 'name'], `expected a zone outside the other zones, got "${zone.name}" inside "${outer.name}": gdnsd refuses a sub-zone of a zone it serves (put its records in "${outer.name}")`);
    }
    zone.records.forEach((rec, r) => {
      if ((rec.type === 'AAAA') !== (familyOf(rec.address) === 'ipv6')) {
        report(['dns', 'zones', z, 'records', r, 'address'], `expected an ${rec.type === 'A' ? 'IPv4' : 'IPv6'} address for an ${rec.type} record, got ${rec.address}`);
      }
    });
  });
}

export function checkDnsNames(site: Pick<ParsedSite, 'services' | 'nodes' | 'dns'>, report: Report): void {
  const zones = site.dns.zones.map((z) => z.name as string);
  const answers = site.services.flatMap((svc, s) => svc.dns.map((d, i) => ({ name: d.name as string, path: ['services', s, 'dns', i, 'name'] })));
  reportDuplicates(answers, (a) => a.name, (i) => answers[i]?.path ?? [], 'DNS name', report);
  for (const a of answers) {
    if (!zoneOf(a.name, zones)) report(a.path, `expected a name inside one of the zones in dns.zones (${zones.join(', ') || 'none'}), got "${a.name}"`);
  }
  if ((answers.length > 0 || zones.length > 0) && !site.nodes.some((n) => n.role === 'dns')) {
    report(['nodes'], 'expected a node with role "dns" to serve dns.zones');
  }
  site.dns.zones.forEach((zone, z) => {
    const owned = new Set(answers.filter((a) => zoneOf(a.name, zones) === zone.name).map((a) => a.name));
    zone.records.forEach((rec, r) => {
      const fqdn = rec.name === '@' ? zone.name : `${rec.name.toLowerCase()}.${zone.name}`;
      if (owned.has(fqdn)) report(['dns', 'zones', z, 'records', r, 'name'], `"${fqdn}" is also a service's DNS name; it would have two sets of answers`);
    });
  });
}
