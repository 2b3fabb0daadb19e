import { describe, expect, it } from 'vitest';
import { exampleValue, nodeOf, parseValue, siteOf } from '../test/helpers/site.js';
import { formatIssue } from './errors.js';
import { prefixAddresses, prefixHolds, toPrefix, type Prefix } from './prefix.js';

const prefix = (family: 'ipv4' | 'ipv6', s: string): Prefix => {
  const r = toPrefix(family)(s);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};

describe('toPrefix', () => {
  it('takes a small prefix and writes IPv6 canonically', () => {
    expect(prefix('ipv4', '10.0.0.64/27')).toBe('10.0.0.64/27');
    expect(prefix('ipv6', 'FD00:0::1:40/123')).toBe('fd00::1:40/123');
    expect(prefix('ipv4', '10.0.0.64/32')).toBe('10.0.0.64/32');
  });

  it.each([
    ['ipv4', '10.0.0.64', 'expected an IPv4 prefix'],
    ['ipv4', '10.0.0.64/33', 'expected an IPv4 prefix'],
    ['ipv4', '10.0.0.64/2a', 'expected an IPv4 prefix'],
    ['ipv4', '10.0.0.64/27/1', 'expected an IPv4 prefix'],
    ['ipv4', 'fd00::/120', 'expected an IPv4 prefix'],
    ['ipv4', '10.0.0.0/23', 'expected a prefix of /24 or longer'],
    ['ipv6', 'fd00::/119', 'expected a prefix of /120 or longer'],
    ['ipv4', '10.0.0.65/27', 'write 10.0.0.64/27'],
    ['ipv6', 'fd00::1:41/123', 'write fd00::1:40/123'],
    ['ipv4', '224.0.0.0/24', 'multicast'],
  ] as const)('refuses %s %s', (family, text, why) => {
    const r = toPrefix(family)(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toContain(why);
  });
});

describe('prefixAddresses and prefixHolds', () => {
  it('lists every address of the prefix, carrying into the next byte', () => {
    expect(prefixAddresses(prefix('ipv4', '10.0.0.64/30'))).toEqual(['10.0.0.64', '10.0.0.65', '10.0.0.66', '10.0.0.67']);
    const v6 = prefixAddresses(prefix('ipv6', 'fd00::1:0/120'));
    expect(v6).toHaveLength(256);
    expect(v6[255]).toBe('fd00::1:ff');
    expect(prefixAddresses(prefix('ipv4', '10.0.1.0/24'))[255]).toBe('10.0.1.255');
  });

  it('holds exactly the addresses of the prefix', () => {
    const p = prefix('ipv4', '10.0.0.64/27');
    expect(prefixHolds(p, '10.0.0.64' as never)).toBe(true);
    expect(prefixHolds(p, '10.0.0.95' as never)).toBe(true);
    expect(prefixHolds(p, '10.0.0.96' as never)).toBe(false);
    expect(prefixHolds(p, 'fd00::40' as never)).toBe(false);
  });
});

describe('tunnelSources in the site', () => {
  const withSources = (sources: Record<string, Record<string, string>>): Record<string, unknown> => {
    const value = exampleValue();
    const nodes = value.nodes as Record<string, unknown>[];
    for (const n of nodes) if (sources[n.name as string]) n.tunnelSources = sources[n.name as string];
    return value;
  };
  const issuesOf = (value: unknown): string[] => parseValue(value).issues.map((i) => formatIssue(i));

  it('gives an L4 node its sources', () => {
    const site = siteOf(withSources({ 'l4-1': { ipv4: '10.0.0.64/27', ipv6: 'fd00::1:40/123' } }));
    expect(nodeOf(site, 'l4-1').tunnelSources).toEqual({ ipv4: '10.0.0.64/27', ipv6: 'fd00::1:40/123' });
    expect(nodeOf(site, 'l4-2').tunnelSources).toBeUndefined();
    expect(site.l4.flowEntropy.enabled).toBe(true);
  });

  it('refuses sources on a node that sends no tunnelled packets', () => {
    expect(issuesOf(withSources({ 'l7-1': { ipv4: '10.0.1.64/27' } })).join('\n')).toContain('only l4 nodes send tunnelled packets; "l7-1" has role "l7"');
  });

  it('refuses sources that hold a node address, a VIP or a server', () => {
    expect(issuesOf(withSources({ 'l4-1': { ipv4: '10.0.0.0/27' } })).join('\n')).toContain('10.0.0.0/27 holds 10.0.0.1, the address of node "rt-1"');
    expect(issuesOf(withSources({ 'l4-1': { ipv4: '198.51.100.0/30' } })).join('\n')).toContain('a VIP of service "web"');
  });

  it('refuses two nodes sharing sources', () => {
    const issues = issuesOf(withSources({ 'l4-1': { ipv4: '10.0.0.64/27' }, 'l4-2': { ipv4: '10.0.0.80/28' } })).join('\n');
    expect(issues).toContain('10.0.0.80/28 overlaps 10.0.0.64/27, the tunnelSources of "l4-1"');
  });

  it('refuses a family the node has no address of', () => {
    const value = withSources({ 'l4-1': { ipv6: 'fd00::1:40/123' } });
    const l4 = (value.nodes as Record<string, unknown>[]).find((n) => n.name === 'l4-1') as Record<string, unknown>;
    l4.addresses = { ipv4: '10.0.0.21' };
    expect(issuesOf(value).join('\n')).toContain('"l4-1" has no ipv6 address');
  });
});
