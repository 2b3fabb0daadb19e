import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseSiteText } from '../site/index.js';
import { join } from 'node:path';
import { exampleValue, loadSite, REPO, siteOf } from '../test/helpers/site.js';
import { labTopology, LabTopologyError } from './topology.js';

const site = loadSite(join(REPO, 'lab', 'site.yaml'));
const t = labTopology(site);
const routesOf = (ns: string) => t.routes.filter((r) => r.ns === ns);
const addressesOf = (ns: string) => t.addresses.filter((a) => a.ns === ns).map((a) => `${a.dev} ${a.cidr}`);

describe('the lab topology of lab/site.yaml', () => {
  it('has one namespace per node and per etcd member, plus the switch, the internet and the users', () => {
    expect(t.namespaces).toEqual(['sw', ...site.nodes.map((n) => n.name), 'etcd-1', 'internet', 'users']);
  });

  it('runs an etcd member at the site\'s endpoint, on the segment of its address, routed through the routers', () => {
    expect(t.etcd).toEqual([{ name: 'etcd-1', ns: 'etcd-1', addresses: { ipv4: '10.0.3.20', ipv6: 'fd00:3::14' }, clientUrl: 'http://10.0.3.20:2379', peerUrl: 'http://10.0.3.20:2380' }]);
    expect(addressesOf('etcd-1')).toEqual(['eth0 10.0.3.20/24', 'eth0 fd00:3::14/64']);
    expect(t.routes.filter((r) => r.ns === 'etcd-1').map((r) => r.to)).toEqual(['0.0.0.0/0', '::/0']);
  });

  it('refuses an etcd endpoint the lab cannot place on a segment of the site', () => {
    const text = readFileSync(new URL('./site.yaml', import.meta.url), 'utf8').replace('http://10.0.3.20:2379', 'http://10.9.9.9:2379');
    const parsed = parseSiteText(text);
    if (!parsed.ok) throw new Error('the edited site does not validate');
    expect(() => labTopology(parsed.site)).toThrow(/etcd endpoint http:\/\/10\.9\.9\.9:2379: the lab runs a member only at http:\/\/IPV4:PORT on the \/24 of a node of the site/);
  });

  it('puts nodes sharing a /24 and a /64 on one segment', () => {
    expect(t.segments.map((s) => [s.prefixes.ipv4, s.prefixes.ipv6, s.nodes.join(' ')])).toEqual([
      ['10.0.0.0/24', 'fd00::/64', 'rt-1 rt-2 rr-1 rr-2 l4-1 l4-2 l4-3'],
      ['10.0.1.0/24', 'fd00:1::/64', 'l7-1 l7-2 l7-3 l7-4'],
      ['10.0.2.0/24', 'fd00:2::/64', 'srv-1 srv-2 srv-3 srv-4'],
      ['10.0.3.0/24', 'fd00:3::/64', 'dns-1 etcd-1'],
    ]);
  });

  it('gives a node its site addresses on eth0', () => {
    expect(addressesOf('l7-2')).toEqual(['eth0 10.0.1.32/24', 'eth0 fd00:1::32/64']);
  });

  it('makes routers the gateways of every segment, with their own host part', () => {
    expect(addressesOf('rt-2')).toEqual([
      'eth0 10.0.0.2/24', 'eth0 fd00::2/64', 'seg1 10.0.1.2/24', 'seg1 fd00:1::2/64', 'seg2 10.0.2.2/24', 'seg2 fd00:2::2/64',
      'seg3 10.0.3.2/24', 'seg3 fd00:3::2/64', 'uplink 192.0.2.2/24', 'uplink 2001:db8:ff::2/64',
    ]);
  });

  it('routes every other node through both routers (multipath)', () => {
    expect(routesOf('srv-3')).toEqual([
      { ns: 'srv-3', to: '0.0.0.0/0', via: ['10.0.2.1', '10.0.2.2'], dev: 'eth0' },
      { ns: 'srv-3', to: '::/0', via: ['fd00:2::1', 'fd00:2::2'], dev: 'eth0' },
    ]);
    expect(routesOf('rt-1').map((r) => r.to)).toEqual(['203.0.113.0/24', '198.18.0.0/30', '2001:db8::cb00:7100/120', '2001:db8:fe::/64']);
  });

  it('routes every VIP from the internet through every router', () => {
    const vipRoutes = routesOf('internet').filter((r) => r.to.startsWith('198.51.100.') || r.to.startsWith('2001:db8::c633'));
    expect(vipRoutes).toHaveLength(8);
    expect(vipRoutes[0]).toEqual({ ns: 'internet', to: '198.51.100.1/32', via: ['192.0.2.1', '192.0.2.2'], dev: 'uplink' });
  });

  it('gives the users 200 client addresses of each family on loopback', () => {
    expect(t.clients.ipv4).toHaveLength(200);
    expect([t.clients.ipv4[0], t.clients.ipv4[199], t.clients.ipv6[0], t.clients.ipv6[199]])
      .toEqual(['203.0.113.1', '203.0.113.200', '2001:db8::cb00:7101', '2001:db8::cb00:71c8']);
    expect(t.addresses.filter((a) => a.ns === 'users' && a.dev === 'lo')).toHaveLength(400);
  });

  it('keeps the users\' flows on one ECMP path: their sockets never pick a new flow hash', () => {
    expect(t.sysctls.filter((s) => s.key === 'net.core.txrehash')).toEqual([expect.objectContaining({ ns: 'users', value: '0' })]);
  });

  it('lets the routers and the internet forward', () => {
    expect(t.sysctls.filter((s) => s.key === 'net.ipv4.ip_forward').map((s) => s.ns)).toEqual(['rt-1', 'rt-2', 'internet']);
  });

  it('serves the backends\' pool ports on the backend nodes only', () => {
    expect(t.nodes.filter((n) => n.httpPorts.length > 0).map((n) => `${n.name}:${n.httpPorts.join(',')}`))
      .toEqual(['srv-1:8080,8081', 'srv-2:8080,8081', 'srv-3:8080,8081', 'srv-4:8080,8081']);
  });
});

describe('sites the lab refuses', () => {
  it('refuses a node without an IPv6 address, naming it', () => {
    const value = exampleValue();
    const nodes = value.nodes as { name: string; addresses: Record<string, string> }[];
    const l7 = nodes.find((n) => n.name === 'dns-1');
    if (l7) delete l7.addresses.ipv6;
    expect(() => labTopology(siteOf(value))).toThrow(/node dns-1: the lab runs IPv4 and IPv6 everywhere/);
  });

  it('refuses a site where a router\'s gateway address is taken', () => {
    const value = exampleValue();
    const nodes = value.nodes as { name: string; addresses: Record<string, string> }[];
    const l7 = nodes.find((n) => n.name === 'l7-1');
    if (l7) l7.addresses.ipv4 = '10.0.1.1';
    expect(() => labTopology(siteOf(value))).toThrow(LabTopologyError);
    expect(() => labTopology(siteOf(value))).toThrow(/router rt-1 would be 10.0.1.1 on 10.0.1.0\/24/);
  });
});
