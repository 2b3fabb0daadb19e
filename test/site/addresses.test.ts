// What an address may be used for: a VIP is a unicast address users can
// reach; a node's or a server's address names one host. Each refused kind
// renders configs every daemon checker passes (`bind 0.0.0.0:80`, a
// `0.0.0.0/32` route), so only the parser can catch it.
import { describe, expect, it } from 'vitest';
import { formatPath, type FieldPath } from '../../site/index.js';
import { exampleValue, parseValue } from '../helpers/site.js';
import { setIn, type Json } from './mutate.js';

function issuesWith(path: FieldPath, value: unknown): { path: string; message: string }[] {
  const site: Json = exampleValue();
  setIn(site, path, value);
  return parseValue(site).issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

describe('a VIP', () => {
  it.each([
    ['the IPv4 unspecified address', '0.0.0.0', 'the unspecified address'],
    ['the IPv6 unspecified address', '::', 'the unspecified address (::)'],
    ['the IPv4 broadcast address', '255.255.255.255', 'the broadcast address'],
    ['an IPv4 multicast address', '224.0.0.1', 'a multicast address (224.0.0.0/4)'],
    ['an IPv6 multicast address', 'ff02::1', 'a multicast address (ff00::/8)'],
    ['an IPv4 loopback address', '127.0.0.1', 'a loopback address (127.0.0.0/8)'],
    ['the IPv6 loopback address', '::1', 'the loopback address (::1)'],
    ['an IPv6 link-local address', 'fe80::1', 'a link-local address (fe80::/10)'],
    ['an IPv4 link-local address', '169.254.10.1', 'a link-local address (169.254.0.0/16)'],
    ['an IPv4-mapped IPv6 address', '::ffff:198.51.100.9', 'an IPv4-mapped IPv6 address'],
    ['an address of the reserved 240.0.0.0/4', '240.0.0.1', 'a reserved address'],
  ])('is refused when it is %s', (_what, vip, reason) => {
    const message = `expected a unicast address users can reach (a VIP), got ${JSON.stringify(vip)}: ${reason}`;
    expect(issuesWith(['services', 0, 'vips', 0], vip)).toEqual([{ path: 'services[0].vips[0]', message: expect.stringContaining(message) as unknown as string }]);
  });

  it('is refused when it is an IPv4-mapped spelling of a node\'s own address, which would slip past the node-address check', () => {
    expect(issuesWith(['services', 0, 'vips', 2], '::ffff:10.0.1.31')).toEqual([{
      path: 'services[0].vips[2]',
      message: 'expected a unicast address users can reach (a VIP), got "::ffff:10.0.1.31": an IPv4-mapped IPv6 address (::ffff:0:0/96); write the IPv4 address itself',
    }]);
  });

  it.each(['198.51.100.9', '203.0.113.9', '10.200.0.1', '100.64.0.1', '8.8.4.4', '2001:db8::9', 'fd00:99::1', '2a00:1450:4001::1'])(
    'is accepted when it is the unicast address %s (public, private or documentation)', (vip) => {
      expect(issuesWith(['services', 0, 'vips', 0], vip)).toEqual([]);
    },
  );
});

describe('a host address (a node\'s, a server\'s, a router ID)', () => {
  it.each([
    [['nodes', 0, 'addresses', 'ipv4'], '0.0.0.0', 'nodes[0].addresses.ipv4'],
    [['nodes', 0, 'addresses', 'ipv6'], '::', 'nodes[0].addresses.ipv6'],
    [['nodes', 7, 'addresses', 'ipv4'], '224.0.0.1', 'nodes[7].addresses.ipv4'],
    [['nodes', 7, 'addresses', 'ipv4'], '255.255.255.255', 'nodes[7].addresses.ipv4'],
    [['nodes', 7, 'addresses', 'ipv6'], '::ffff:10.0.1.31', 'nodes[7].addresses.ipv6'],
    [['pools', 0, 'servers', 0, 'address'], '0.0.0.0', 'pools[0].servers[0].address'],
    [['pools', 0, 'servers', 2, 'address'], 'ff02::1', 'pools[0].servers[2].address'],
  ] as const)('is refused at %j when it is %s, which names no single host', (path, address, at) => {
    expect(issuesWith(path, address)).toEqual([{ path: at, message: expect.stringContaining(`expected the unicast address of one host, got ${JSON.stringify(address)}`) as unknown as string }]);
  });

  it('may be a loopback address: a test site runs its backends on 127.0.0.x', () => {
    expect(issuesWith(['nodes', 11, 'addresses'], { ipv4: '127.0.0.41' }).map((i) => i.path)).not.toContain('nodes[11].addresses.ipv4');
  });

  it('is refused as a router ID when it is 0.0.0.0 (RFC 6286)', () => {
    expect(issuesWith(['nodes', 2, 'routerId'], '0.0.0.0')).toEqual([{ path: 'nodes[2].routerId', message: 'expected a router ID other than 0.0.0.0 (RFC 6286: a BGP identifier is non-zero)' }]);
  });
});
