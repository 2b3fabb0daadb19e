import { describe, expect, it } from 'vitest';
import { exampleValue, parseValue } from '../../test/helpers/site.js';
import type { DnsName, Site } from '../../site/index.js';
import { dnsResources, ownerIn } from './index.js';

type Raw = { services: { name: string; vips: string[]; dns: { name: string; ttl?: number; policy?: string }[] }[] };

/** The example site with `edit` applied to its plain value, parsed. */
function siteWith(edit: (raw: Raw) => void): Site {
  const value = exampleValue();
  edit(value as unknown as Raw);
  const { site, issues } = parseValue(value);
  if (!site) throw new Error(JSON.stringify(issues));
  return site;
}
const service = (raw: Raw, name: string): Raw['services'][number] => {
  const s = raw.services.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

describe('dnsResources', () => {
  it('gives a multifo service one multifo resource with all its VIPs, by family', () => {
    const { multifo } = dnsResources(siteWith(() => undefined));
    expect(multifo).toEqual([{
      name: 'www.example.org', service: 'web',
      v4: ['198.51.100.1', '198.51.100.2'], v6: ['2001:db8::c633:6401', '2001:db8::c633:6402'],
    }]);
  });

  it('gives a first-up service metafo datacenters that try every v4/v6 pair in list order, then each family alone', () => {
    const { metafo } = dnsResources(siteWith(() => undefined));
    expect(metafo.map((r) => r.name)).toEqual(['api.example.org']);
    expect(metafo[0]?.datacenters).toEqual([
      { name: 'v4-1_v6-1', v4: '198.51.100.3', v6: '2001:db8::c633:6403' },
      { name: 'v4-1_v6-2', v4: '198.51.100.3', v6: '2001:db8::c633:6404' },
      { name: 'v4-2_v6-1', v4: '198.51.100.4', v6: '2001:db8::c633:6403' },
      { name: 'v4-2_v6-2', v4: '198.51.100.4', v6: '2001:db8::c633:6404' },
      { name: 'v4-1', v4: '198.51.100.3' },
      { name: 'v4-2', v4: '198.51.100.4' },
      { name: 'v6-1', v6: '2001:db8::c633:6403' },
      { name: 'v6-2', v6: '2001:db8::c633:6404' },
    ]);
  });

  it('gives a first-up service with one family one datacenter per VIP, in list order', () => {
    const site = siteWith((raw) => { service(raw, 'api').vips = ['198.51.100.4', '198.51.100.3']; });
    expect(dnsResources(site).metafo[0]?.datacenters).toEqual([
      { name: 'v4-1', v4: '198.51.100.4' },
      { name: 'v4-2', v4: '198.51.100.3' },
    ]);
  });

  it('switches a name from multifo to metafo when its policy becomes first-up', () => {
    const site = siteWith((raw) => { service(raw, 'web').dns = [{ name: 'www.example.org', ttl: 30, policy: 'first-up' }]; });
    const { multifo, metafo, dyna } = dnsResources(site);
    expect(multifo).toEqual([]);
    expect(metafo.map((r) => r.name)).toEqual(['www.example.org', 'api.example.org']);
    expect(dyna.map((d) => `${d.owner} ${d.plugin}!${d.resource}`)).toEqual(['www metafo!www.example.org', 'api metafo!api.example.org']);
  });

  it('writes a name at the zone apex with the owner @', () => {
    expect(ownerIn('example.org' as DnsName, 'example.org' as DnsName)).toBe('@');
  });

  it('writes a name two labels below the zone relative to the zone', () => {
    expect(ownerIn('example.org' as DnsName, 'a.b.example.org' as DnsName)).toBe('a.b');
  });
});
