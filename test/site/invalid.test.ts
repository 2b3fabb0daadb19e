// Every way a site file can be wrong that the parser must catch, each named by
// the field it blames and a distinctive part of the reason. Each case edits
// the example site, which is valid, so the edit is the only problem.
import { describe, expect, it } from 'vitest';
import { formatPath, type FieldPath } from '../../site/index.js';
import { exampleValue, parseValue } from '../helpers/site.js';
import { deleteIn, getIn, pushIn, setIn, type Json } from './mutate.js';

interface Case {
  name: string;
  edit: (site: Json) => void;
  path: string;
  reason: string;
  /** Issues expected in all when one edit breaks several things; default 1. */
  count?: number;
}

const set = (path: FieldPath, value: unknown) => (site: Json) => setIn(site, path, value);
const del = (path: FieldPath) => (site: Json) => deleteIn(site, path);
const push = (path: FieldPath, value: unknown) => (site: Json) => pushIn(site, path, value);
const copyOf = (site: Json, path: FieldPath): Json => structuredClone(getIn(site, path)) as Json;

const SHAPE: Case[] = [
  { name: 'an unknown top-level key', edit: set(['colour'], 'blue'), path: 'colour', reason: 'unknown key' },
  { name: 'an unknown key inside a service', edit: set(['services', 0, 'l4', 'weight'], 1), path: 'services[0].l4.weight', reason: 'unknown key' },
  { name: 'an unknown key in node addresses', edit: set(['nodes', 0, 'addresses', 'ipv5'], '1.2.3.4'), path: 'nodes[0].addresses.ipv5', reason: 'unknown key' },
  { name: 'a number where a name goes', edit: set(['services', 0, 'name'], 5), path: 'services[0].name', reason: 'expected string, got 5' },
  { name: 'a mapping where the services list goes', edit: set(['services'], { web: 1 }), path: 'services', reason: 'expected array, got a mapping' },
  { name: 'a string where a boolean goes', edit: set(['bgp', 'bfd', 'enabled'], 'yes'), path: 'bgp.bfd.enabled', reason: 'expected boolean, got "yes"' },
  { name: 'a missing required field', edit: del(['bgp', 'asn']), path: 'bgp.asn', reason: 'missing: expected number' },
  { name: 'an empty services list', edit: set(['services'], []), path: 'services', reason: 'expected at least 1 item(s)' },
  { name: 'an unknown role', edit: set(['nodes', 0, 'role'], 'switch'), path: 'nodes[0].role', reason: 'expected one of "router", "reflector", "l4", "l7", "backend", "dns", got "switch"' },
  { name: 'an unknown mh flag', edit: set(['services', 1, 'l4', 'flags'], ['mh-foo']), path: 'services[1].l4.flags[0]', reason: 'expected one of "mh-port", "mh-fallback", got "mh-foo"' },
  { name: 'a scheduler other than mh', edit: set(['services', 0, 'l4', 'scheduler'], 'rr'), path: 'services[0].l4.scheduler', reason: 'expected one of "mh", got "rr"' },
  { name: 'a weight above 256', edit: set(['pools', 0, 'servers', 0, 'weight'], 257), path: 'pools[0].servers[0].weight', reason: 'expected at most 256, got 257' },
  { name: 'the reserved AS number 23456', edit: set(['bgp', 'asn'], 23456), path: 'bgp.asn', reason: 'not 23456' },
];

const VALUES: Case[] = [
  { name: 'an IPv4 VIP with an octet above 255', edit: set(['services', 0, 'vips', 0], '10.0.0.300'), path: 'services[0].vips[0]', reason: 'expected an IPv4 or IPv6 address, got "10.0.0.300"' },
  { name: 'an IPv6 node address with a non-hex digit', edit: set(['nodes', 0, 'addresses', 'ipv6'], '::g'), path: 'nodes[0].addresses.ipv6', reason: 'expected an IPv6 address, got "::g"' },
  { name: 'an IPv6 address in an IPv4 field', edit: set(['nodes', 0, 'addresses', 'ipv4'], 'fd00::1'), path: 'nodes[0].addresses.ipv4', reason: 'expected an IPv4 address, got "fd00::1"' },
  { name: 'port 0', edit: set(['services', 0, 'ports', 0], 0), path: 'services[0].ports[0]', reason: 'expected a port from 1 to 65535, got 0' },
  { name: 'port 65536', edit: set(['pools', 0, 'servers', 0, 'port'], 65536), path: 'pools[0].servers[0].port', reason: 'expected a port from 1 to 65535, got 65536' },
  { name: 'a port written as a string', edit: set(['services', 0, 'ports', 0], '80'), path: 'services[0].ports[0]', reason: 'expected number, got "80"' },
  { name: 'a duration without a unit', edit: set(['bgp', 'holdTime'], '3'), path: 'bgp.holdTime', reason: 'expected a duration like "500ms", "3s", "2m" or "1h", got "3"' },
  { name: 'a fractional duration', edit: set(['services', 0, 'l7', 'check', 'interval'], '1.5s'), path: 'services[0].l7.check.interval', reason: 'got "1.5s"' },
  { name: 'a negative duration', edit: set(['pools', 1, 'agentCheck', 'interval'], '-1s'), path: 'pools[1].agentCheck.interval', reason: 'got "-1s"' },
  { name: 'a duration above a day', edit: set(['services', 1, 'l7', 'timeouts'], { client: '25h' }), path: 'services[1].l7.timeouts.client', reason: 'expected a duration of at most 24h, got "25h"' },
  { name: 'balance uri in mode tcp', edit: set(['services', 1, 'l7', 'balance'], 'uri'), path: 'services[1].l7.balance', reason: '"uri" needs mode http' },
  { name: 'a zero check interval', edit: (site) => { setIn(site, ['services', 0, 'l7', 'check', 'interval'], '0s'); setIn(site, ['services', 0, 'l7', 'check', 'timeout'], '0s'); }, path: 'services[0].l7.check.interval', reason: 'expected a duration above 0, got "0s"', count: 2 },
];

const UNIQUE: Case[] = [
  { name: 'two services with one name', edit: set(['services', 1, 'name'], 'web'), path: 'services[1].name', reason: 'duplicate service name "web" (first at index 0)' },
  { name: 'two pools with one name', edit: (s) => pushIn(s, ['pools'], copyOf(s, ['pools', 0])), path: 'pools[2].name', reason: 'duplicate pool name "web"' },
  {
    name: 'two nodes with one name',
    edit: push(['nodes'], { name: 'dns-1', role: 'dns', addresses: { ipv4: '10.0.3.54' } }),
    path: 'nodes[16].name', reason: 'duplicate node name "dns-1"',
  },
  { name: 'two servers of a pool with one name', edit: set(['pools', 0, 'servers', 1, 'name'], 'srv-1'), path: 'pools[0].servers[1].name', reason: 'duplicate server name "srv-1"' },
  {
    name: 'one VIP:port:protocol in two services',
    edit: set(['services', 1, 'vips', 0], '198.51.100.1'), path: 'services[1].vips[0]',
    reason: 'duplicate VIP:port:protocol 198.51.100.1:80/tcp, already used by service "web"',
  },
  { name: 'one VIP twice in a service', edit: set(['services', 0, 'vips', 1], '198.51.100.1'), path: 'services[0].vips[1]', reason: 'duplicate VIP "198.51.100.1"' },
  {
    name: 'one IPv6 VIP twice in a service under two spellings',
    edit: set(['services', 0, 'vips', 3], '2001:DB8:0::c633:6401'), path: 'services[0].vips[3]', reason: 'duplicate VIP "2001:db8::c633:6401"',
  },
  { name: 'one l7 node twice in a service', edit: set(['services', 0, 'l7', 'nodes'], ['l7-1', 'l7-2', 'l7-1']), path: 'services[0].l7.nodes[2]', reason: 'duplicate l7 node "l7-1"' },
  { name: 'two zones with one name', edit: (s) => pushIn(s, ['dns', 'zones'], copyOf(s, ['dns', 'zones', 0])), path: 'dns.zones[1].name', reason: 'duplicate zone "example.org"' },
];

const REFERENCES: Case[] = [
  { name: 'a service naming a missing pool', edit: set(['services', 0, 'pool'], 'nope'), path: 'services[0].pool', reason: 'expected the name of a pool in pools, got "nope"' },
  { name: 'a peer that is not a node', edit: set(['nodes', 4, 'peers'], ['rr-1', 'rr-9']), path: 'nodes[4].peers[1]', reason: 'expected the name of a node, got "rr-9"' },
  { name: 'a node peering with itself', edit: set(['nodes', 4, 'peers'], ['rr-1', 'l4-1']), path: 'nodes[4].peers[1]', reason: 'a node cannot peer with itself' },
  { name: 'an l4 node peering with an l4 node', edit: set(['nodes', 4, 'peers'], ['rr-1', 'l4-2']), path: 'nodes[4].peers[1]', reason: 'l4 nodes do not peer with each other ("l4-2")' },
  { name: 'peers on an l7 node', edit: set(['nodes', 7, 'peers'], ['rr-1']), path: 'nodes[7].peers', reason: 'expected no peers on a node with role "l7"' },
  { name: 'a peer that does not speak BGP', edit: set(['nodes', 2, 'peers'], ['l7-1']), path: 'nodes[2].peers[0]', reason: 'expected a router, reflector or l4 node, got "l7-1" with role "l7"' },
  { name: 'an l4 node without a BGP session', edit: del(['nodes', 6, 'peers']), path: 'nodes[6].peers', reason: 'l4 node "l4-3" has no BGP session' },
  { name: 'service l7.nodes naming an l4 node', edit: set(['services', 0, 'l7', 'nodes'], ['l7-1', 'l4-1']), path: 'services[0].l7.nodes[1]', reason: 'expected an l7 node, got "l4-1" with role "l4"' },
  { name: 'server.node naming an l7 node', edit: set(['pools', 0, 'servers', 0, 'node'], 'l7-1'), path: 'pools[0].servers[0].node', reason: 'expected a backend node, got "l7-1" with role "l7"' },
  { name: 'server.node naming no node', edit: set(['pools', 0, 'servers', 0, 'node'], 'srv-9'), path: 'pools[0].servers[0].node', reason: 'expected the name of a node, got "srv-9"' },
];

const RULES: Case[] = [
  {
    name: 'an IPv6 VIP served by an L7 node without IPv6',
    edit: del(['nodes', 7, 'addresses', 'ipv6']), path: 'services[0].vips[2]',
    reason: 'VIP 2001:db8::c633:6401 is IPv6 but l7 node "l7-1" has no ipv6 address to tunnel to',
    count: 6, // four IPv6 VIPs, two IPv6 servers of pool web
  },
  {
    name: 'an IPv6 VIP on an L4 node without IPv6',
    edit: del(['nodes', 5, 'addresses', 'ipv6']), path: 'services[1].vips[3]',
    reason: 'VIP 2001:db8::c633:6404 is IPv6 but l4 node "l4-2" has no ipv6 address to tunnel from', count: 4,
  },
  {
    name: 'an IPv6 server behind an L7 node without IPv6',
    edit: (s) => { deleteIn(s, ['nodes', 7, 'addresses', 'ipv6']); setIn(s, ['services'], [getIn(s, ['services', 0])]); setIn(s, ['services', 0, 'vips'], ['198.51.100.1']); },
    path: 'pools[0].servers[2].address', reason: 'server fd00:2::43 is ipv6 but l7 node "l7-1" has no ipv6 address to reach it', count: 2,
  },
  { name: 'a VIP that is a node address', edit: set(['services', 0, 'vips', 0], '10.0.0.1'), path: 'services[0].vips[0]', reason: 'VIP 10.0.0.1 is also a node\'s own address' },
  { name: 'a UDP service', edit: set(['services', 0, 'protocol'], 'udp'), path: 'services[0].protocol', reason: 'cannot terminate UDP' },
  { name: 'mh without mh-fallback', edit: set(['services', 1, 'l4', 'flags'], ['mh-port']), path: 'services[1].l4.flags', reason: 'expected mh-fallback among the flags' },
  { name: 'a quorum above the number of L7 nodes', edit: set(['services', 0, 'l4', 'quorum'], 5), path: 'services[0].l4.quorum', reason: 'expected at most 4 (the L7 nodes serving the service), got 5' },
  { name: 'a check timeout above its interval', edit: set(['services', 0, 'l7', 'check', 'timeout'], '2s'), path: 'services[0].l7.check.timeout', reason: 'expected at most the check interval (1s), got 2s' },
  {
    name: 'a hold time under 3s', edit: set(['bgp', 'holdTime'], '2s'), path: 'bgp.holdTime', reason: 'expected whole seconds, at least 3s (RFC 4271) and at most 65535s (a 16-bit field), got 2s',
    count: 2, // keepalive 1s is then above a third of it
  },
  { name: 'a keepalive above a third of the hold time', edit: set(['bgp', 'keepalive'], '2s'), path: 'bgp.keepalive', reason: 'at most a third of holdTime (3s), got 2s' },
  { name: 'the graceful-shutdown community on every VIP', edit: set(['bgp', 'communities', 'vip'], ['65535:0']), path: 'bgp.communities.vip', reason: 'other than the graceful-shutdown community 65535:0' },
  {
    name: 'a DNS name outside every zone', edit: set(['services', 0, 'dns', 0, 'name'], 'www.example.com'), path: 'services[0].dns[0].name',
    reason: 'expected a name inside one of the zones in dns.zones (example.org), got "www.example.com"',
  },
  { name: 'zones without a dns node', edit: del(['nodes', 15]), path: 'nodes', reason: 'expected a node with role "dns" to serve dns.zones' },
  { name: 'an A record with an IPv6 address', edit: set(['dns', 'zones', 0, 'records', 0, 'address'], 'fd00:3::54'), path: 'dns.zones[0].records[0].address', reason: 'expected an IPv4 address for an A record, got fd00:3::54' },
  {
    name: 'a static record with a service\'s DNS name', edit: push(['dns', 'zones', 0, 'records'], { name: 'www', type: 'A', address: '192.0.2.1' }),
    path: 'dns.zones[0].records[2].name', reason: '"www.example.org" is also a service\'s DNS name',
  },
];

const NEWLINE_DIRECTIVE = 'srv-1\n    server evil 6.6.6.6:80';
const INJECTION: Case[] = [
  { name: 'a server name carrying a newline and an HAProxy directive', edit: set(['pools', 0, 'servers', 0, 'name'], NEWLINE_DIRECTIVE), path: 'pools[0].servers[0].name', reason: 'expected a name of letters, digits' },
  { name: 'a node name with a space', edit: set(['nodes', 7, 'name'], 'l7 1'), path: 'nodes[7].name', reason: 'got "l7 1"' },
  { name: 'a community closing a BIRD block', edit: set(['bgp', 'communities', 'vip', 0], '65000:1 }'), path: 'bgp.communities.vip[0]', reason: 'expected a BGP community "ASN:VALUE"' },
  { name: 'a zone name with a brace and a semicolon', edit: set(['dns', 'zones', 0, 'name'], 'example.org; }'), path: 'dns.zones[0].name', reason: 'expected a DNS name of labels' },
  { name: 'a record name with a brace', edit: set(['dns', 'zones', 0, 'records', 0, 'name'], 'ns1 }'), path: 'dns.zones[0].records[0].name', reason: 'expected "@" or a relative DNS name' },
  { name: 'a health-check path with a space', edit: set(['services', 0, 'l7', 'check', 'path'], '/health check'), path: 'services[0].l7.check.path', reason: 'expected an HTTP path starting with \'/\'' },
  { name: 'a health-check path with a quote', edit: set(['services', 0, 'l7', 'check', 'path'], '/health"'), path: 'services[0].l7.check.path', reason: 'got "/health\\""' },
  { name: 'a monitor path with a newline', edit: set(['l7'], { monitorPath: '/up\n  bind :1' }), path: 'l7.monitorPath', reason: 'expected an HTTP path' },
  { name: 'a pool name with a #', edit: set(['pools', 0, 'name'], 'web#x'), path: 'pools[0].name', reason: 'got "web#x"' },
  { name: 'a service name with a quote', edit: set(['services', 0, 'name'], 'web"'), path: 'services[0].name', reason: 'expected a name of letters' },
  { name: 'a file path climbing with ..', edit: set(['agent'], { runDir: '/run/../etc' }), path: 'agent.runDir', reason: 'expected a path without \'..\'' },
  { name: 'a file path with a space', edit: set(['nodes', 0, 'agent'], { stateDir: '/var/lib/tier lb' }), path: 'nodes[0].agent.stateDir', reason: 'expected an absolute path' },
];

function issuesOf(edit: (site: Json) => void): { path: string; message: string }[] {
  const site = exampleValue();
  edit(site);
  return parseValue(site).issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

describe.each([
  ['shape', SHAPE], ['values', VALUES], ['uniqueness', UNIQUE], ['references', REFERENCES], ['rules', RULES], ['injection', INJECTION],
])('the parser refuses (%s)', (_group, cases) => {
  it.each(cases)('$name', ({ edit, path, reason, count = 1 }) => {
    const issues = issuesOf(edit);
    expect(issues).toContainEqual({ path, message: expect.stringContaining(reason) as unknown as string });
    expect(issues).toHaveLength(count);
  });
});

describe('the parser refuses (composed edits)', () => {
  it('a quorum above the L7 nodes a service names', () => {
    const issues = issuesOf((s) => {
      setIn(s, ['services', 0, 'l7', 'nodes'], ['l7-1', 'l7-2']);
      setIn(s, ['services', 0, 'l4', 'quorum'], 3);
    });
    expect(issues).toEqual([{ path: 'services[0].l4.quorum', message: 'expected at most 2 (the L7 nodes serving the service), got 3' }]);
  });

  it('a repeated l7 node that would make a quorum look reachable', () => {
    const issues = issuesOf((s) => setIn(s, ['services', 0, 'l7', 'nodes'], ['l7-1', 'l7-1']));
    expect(issues.map((i) => i.path)).toEqual(['services[0].l4.quorum', 'services[0].l7.nodes[1]']);
  });
});

it('has at least forty distinct cases', () => {
  const all = [...SHAPE, ...VALUES, ...UNIQUE, ...REFERENCES, ...RULES, ...INJECTION];
  expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
  expect(all.length).toBeGreaterThanOrEqual(40);
});
