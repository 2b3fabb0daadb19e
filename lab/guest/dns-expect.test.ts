import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleValue, loadSite, REPO, siteOf } from '../../test/helpers/site.js';
import { dnsCheckName, dnsExpectations, sameAnswers } from './dns-expect.js';

type Services = { name: string; vips: string[]; dns?: { name: string; policy?: string }[] }[];
const withServices = (edit: (services: Services) => void) => {
  const value = exampleValue();
  edit(value.services as Services);
  return siteOf(value);
};

describe('the lab DNS check of lab/site.yaml', () => {
  const expected = dnsExpectations(loadSite(join(REPO, 'lab', 'site.yaml')));

  it('asks every service DNS name, with every VIP for multifo and the first of each family for first-up', () => {
    expect(expected).toEqual([
      { name: 'www.example.org', service: 'web', policy: 'multifo', A: ['198.51.100.1', '198.51.100.2'], AAAA: ['2001:db8::c633:6401', '2001:db8::c633:6402'] },
      { name: 'api.example.org', service: 'api', policy: 'first-up', A: ['198.51.100.3'], AAAA: ['2001:db8::c633:6403'] },
    ]);
  });

  it('is named after those names and VIPs', () => {
    expect(dnsCheckName(expected)).toBe('DNS answers www.example.org with 198.51.100.1 198.51.100.2 2001:db8::c633:6401 2001:db8::c633:6402; '
      + 'api.example.org with 198.51.100.3 2001:db8::c633:6403 (first-up)');
  });
});

describe('the lab DNS check of another site', () => {
  it('names that site\'s own DNS names and VIPs, and expects no AAAA for an IPv4-only service', () => {
    const site = withServices(([web, ...others]) => {
      if (web === undefined) throw new Error('expected a service in the example site');
      web.vips = ['198.51.100.7'];
      web.dns = [{ name: 'shop.example.org' }, { name: 'store.example.org', policy: 'first-up' }];
      for (const svc of others) svc.dns = [];
    });
    const expected = dnsExpectations(site);
    expect(expected.map((e) => [e.name, e.A, e.AAAA])).toEqual([['shop.example.org', ['198.51.100.7'], []], ['store.example.org', ['198.51.100.7'], []]]);
    expect(dnsCheckName(expected)).toBe('DNS answers shop.example.org with 198.51.100.7; store.example.org with 198.51.100.7 (first-up)');
  });

  it('has nothing to ask when no service has a DNS name', () => {
    const site = withServices((s) => { for (const svc of s) svc.dns = []; });
    expect(dnsExpectations(site)).toEqual([]);
    expect(dnsCheckName([])).toBe('DNS: the site names no service in DNS, nothing to ask');
  });
});

describe('sameAnswers', () => {
  it('compares dig lines with the expected addresses as sets of the same size', () => {
    expect(sameAnswers(['198.51.100.2', '198.51.100.1'], ['198.51.100.1', '198.51.100.2'])).toBe(true);
    expect(sameAnswers(['198.51.100.1'], ['198.51.100.1', '198.51.100.2'])).toBe(false);
    expect(sameAnswers([], [])).toBe(true);
  });
});
