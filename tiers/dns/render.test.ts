import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../test/helpers/golden.js';
import { loadSite } from '../../test/helpers/site.js';
import { nodeNamed, type Site, type SiteNode } from '../../site/index.js';
import { gdnsdPaths, renderDns, STATE_FILE_NAME } from './index.js';

const site = loadSite();
const node = (s: Site, name: string): SiteNode => {
  const n = nodeNamed(s, name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
};
const dns1 = node(site, 'dns-1');
const fileOf = (name: string): string => {
  const f = renderDns(site, dns1).files.find((x) => x.name === name);
  if (!f) throw new Error(`no file ${name}`);
  return f.content;
};

describe('renderDns', () => {
  it('renders the gdnsd config of dns-1 like its golden copy', () => {
    expectGolden('dns/dns-1/gdnsd/config', fileOf('gdnsd/config'));
  });

  it('renders the example.org zone of dns-1 like its golden copy', () => {
    expectGolden('dns/dns-1/gdnsd/zones/example.org', fileOf('gdnsd/zones/example.org'));
  });

  it('renders the initial VIP state file of dns-1 like its golden copy', () => {
    expectGolden('dns/dns-1/gdnsd-state/vips', fileOf(STATE_FILE_NAME));
  });

  it('names a config, one zone file per zone and the state file, for gdnsd', () => {
    const files = renderDns(site, dns1).files;
    expect(files.map((f) => f.name)).toEqual(['gdnsd/config', 'gdnsd/zones/example.org', 'gdnsd-state/vips']);
    expect(new Set(files.map((f) => f.daemon))).toEqual(new Set(['gdnsd']));
  });

  it('renders byte-identical files from the same site twice', () => {
    expect(renderDns(loadSite(), dns1)).toEqual(renderDns(site, dns1));
  });

  it('renders nothing for a node whose role is not dns', () => {
    for (const name of ['rt-1', 'rr-1', 'l4-1', 'l7-1', 'srv-1']) {
      expect(renderDns(site, node(site, name))).toEqual({ files: [], netOps: [] });
    }
  });

  it('listens on the node\'s own addresses on port 53', () => {
    expect(fileOf('gdnsd/config')).toContain('listen => [ 10.0.3.53 fd00:3::53 ]\n  dns_port => 53\n');
  });

  it('does not use zones_rfc1035_auto, which gdnsd 3 removed', () => {
    expect(fileOf('gdnsd/config')).not.toContain('zones_rfc1035_auto');
  });

  it('points the extfile service type at the state file the agent writes', () => {
    expect(fileOf('gdnsd/config')).toContain(`file => ${gdnsdPaths(dns1).stateFile}\n    direct => true\n`);
  });

  it('writes one DYNA record per service DNS name with a relative owner name', () => {
    const zone = fileOf('gdnsd/zones/example.org');
    expect(zone).toContain('\nwww 30 DYNA multifo!www.example.org\n');
    expect(zone).toContain('\napi 30 DYNA metafo!api.example.org\n');
  });

  it('writes the SOA fields in RFC 1035 order with absolute names', () => {
    const soa = site.dns.zones[0]?.soa;
    if (!soa) throw new Error('the example has a zone');
    const fields = [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum].join(' ');
    expect(fileOf('gdnsd/zones/example.org')).toContain(`\n@ SOA ns1.example.org. hostmaster.example.org. ${fields}\n`);
  });
});
