// The brand constructors: what they accept, the canonical form they return,
// and what they refuse.
import { describe, expect, it } from 'vitest';
import {
  Duration, toCommunity, toDnsName, toDuration, toFsPath, toIp, toIpv4, toIpv6, toPort, toToken, type Checked,
} from '../../site/index.js';

const valueOf = <T>(r: Checked<T>): T => {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};

describe('toIpv6', () => {
  it.each([
    ['2001:db8::198.51.100.1', '2001:db8::c633:6401'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:DB8::A', '2001:db8::a'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:ffff:c000:201', '::ffff:c000:201'],
  ])('writes %s as %s', (input, canonical) => {
    expect(valueOf(toIpv6(input))).toBe(canonical);
  });

  it.each(['::g', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '10.0.0.1', ''])('refuses %j', (input) => {
    expect(toIpv6(input)).toEqual({ ok: false, reason: `expected an IPv6 address, got ${JSON.stringify(input)}` });
  });
});

describe('toIpv4 and toIp', () => {
  it('accepts a dotted quad as written', () => {
    expect(valueOf(toIpv4('10.0.0.1'))).toBe('10.0.0.1');
  });

  it.each(['10.0.0.300', '010.0.0.1', '10.0.0', '10.0.0.1 ', '::1'])('toIpv4 refuses %j', (input) => {
    expect(toIpv4(input).ok).toBe(false);
  });

  it('toIp returns IPv6 in canonical form and IPv4 unchanged', () => {
    expect([valueOf(toIp('2001:DB8:0::1')), valueOf(toIp('192.0.2.1'))]).toEqual(['2001:db8::1', '192.0.2.1']);
  });
});

describe('the other constructors', () => {
  it('toToken takes 63 characters and refuses 64', () => {
    expect([toToken('a'.repeat(63)).ok, toToken('a'.repeat(64)).ok]).toEqual([true, false]);
  });

  it.each(['-web', '.web', 'web server', 'web\n', 'wéb', ''])('toToken refuses %j', (input) => {
    expect(toToken(input).ok).toBe(false);
  });

  it('toDnsName lowercases and drops the trailing dot', () => {
    expect(valueOf(toDnsName('WWW.Example.org.'))).toBe('www.example.org');
  });

  it.each(['-a.example.org', 'a..example.org', 'a_b.example.org', `${'a'.repeat(64)}.org`])('toDnsName refuses %j', (input) => {
    expect(toDnsName(input).ok).toBe(false);
  });

  it('toCommunity drops leading zeros and refuses a part above 65535', () => {
    expect([valueOf(toCommunity('065:00')), toCommunity('65536:0').ok]).toEqual(['65:0', false]);
  });

  it('toPort refuses a fraction', () => {
    expect(toPort(80.5)).toEqual({ ok: false, reason: 'expected a port from 1 to 65535, got 80.5' });
  });

  it.each(['relative/path', '/a/../b', '/a b', '/a;b', '/a$b'])('toFsPath refuses %j', (input) => {
    expect(toFsPath(input).ok).toBe(false);
  });
});

describe('Duration', () => {
  it.each([
    [1500, '1500ms'], [3000, '3s'], [90000, '90s'], [120000, '2m'], [3600000, '60m'], [0, '0s'], [1, '1ms'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(Duration.ofMs(ms).toString()).toBe(text);
  });

  it('rounds seconds up for daemons that only take seconds', () => {
    expect([Duration.ofMs(1500).ceilSeconds, Duration.ofMs(1500).seconds]).toEqual([2, 1.5]);
  });

  it.each([['500ms', 500], ['3s', 3000], ['2m', 120000], ['1h', 3600000], ['24h', 86400000]])('reads %s as %i ms', (text, ms) => {
    expect(valueOf(toDuration(text)).ms).toBe(ms);
  });

  it.each(['3', '1.5s', '-1s', '25h', '3 s', '3S', ''])('refuses %j', (text) => {
    expect(toDuration(text).ok).toBe(false);
  });

  it('reads back what it writes', () => {
    const d = Duration.ofMs(1500);
    expect(valueOf(toDuration(d.toString())).ms).toBe(1500);
  });
});
