import { describe, expect, it } from 'vitest';
import { exampleValue, loadSite, parseValue } from '../../test/helpers/site.js';
import { UnsafeValueError } from '../common/escape.js';
import { nodeNamed, type DnsName, type Site, type ZoneRecord } from '../../site/index.js';
import { renderDns } from './index.js';

const site = loadSite();
const dns1 = nodeNamed(site, 'dns-1');
if (!dns1) throw new Error('no dns-1');

function withRecord(record: ZoneRecord): Site {
  const [zone, ...rest] = site.dns.zones;
  if (!zone) throw new Error('the example has a zone');
  return { ...site, dns: { zones: [{ ...zone, records: [...zone.records, record] }, ...rest] } };
}

describe('values that would break gdnsd syntax', () => {
  it('cannot reach a zone record: the parser refuses a record name with a brace', () => {
    const value = exampleValue() as { dns: { zones: { records: unknown[] }[] } };
    value.dns.zones[0]?.records.push({ name: 'a{b', type: 'A', address: '192.0.2.1' });
    const { site: parsed, issues } = parseValue(value);
    expect(parsed).toBeUndefined();
    expect(issues.map((i) => i.path.join('.'))).toContain('dns.zones.0.records.2.name');
  });

  it('makes rendering throw when a hand-built record name holds a brace and a space', () => {
    const bad = withRecord({ name: 'a {b', type: 'A', address: '192.0.2.1' as ZoneRecord['address'] });
    expect(() => renderDns(bad, dns1)).toThrow(UnsafeValueError);
  });

  it('makes rendering throw when a hand-built record name holds a semicolon', () => {
    const bad = withRecord({ name: 'a;b', type: 'A', address: '192.0.2.1' as ZoneRecord['address'] });
    expect(() => renderDns(bad, dns1)).toThrow(UnsafeValueError);
  });

  it('makes rendering throw when a hand-built service DNS name holds a brace, which the config would read as a hash', () => {
    const [web, ...rest] = site.services;
    if (!web?.dns[0]) throw new Error('the example has web with a DNS name');
    const bad: Site = { ...site, services: [{ ...web, dns: [{ ...web.dns[0], name: 'w{w.example.org' as DnsName }] }, ...rest] };
    expect(() => renderDns(bad, dns1)).toThrow(UnsafeValueError);
  });
});
