// Values the daemons refuse, or read as something else, are refused by the
// parser first: each range here is one a daemon has (HAProxy's agent-inter,
// BIRD's hold time, gdnsd's zones, socket and line lengths).
import { describe, expect, it } from 'vitest';
import { formatPath, type FieldPath } from '../../site/index.js';
import { exampleValue, parseValue } from '../helpers/site.js';
import { getIn, pushIn, setIn, type Json } from './mutate.js';

function issuesOf(edit: (site: Json) => void): { path: string; message: string }[] {
  const site: Json = exampleValue();
  edit(site);
  return parseValue(site).issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

const set = (path: FieldPath, value: unknown) => (site: Json) => setIn(site, path, value);
const one = (path: string, reason: string) => [{ path, message: expect.stringContaining(reason) as unknown as string }];

describe('the parser refuses what a daemon refuses', () => {
  it('an agent-check interval of 0ms (HAProxy: "invalid value 0 for argument \'agent-inter\'")', () => {
    expect(issuesOf(set(['pools', 1, 'agentCheck', 'interval'], '0ms'))).toEqual(one('pools[1].agentCheck.interval', 'expected a duration above 0, got "0ms"'));
  });

  it('a BGP hold time above 65535s (BIRD: "Hold time must be in range 3-65535 or zero")', () => {
    expect(issuesOf(set(['bgp', 'holdTime'], '65536s'))).toEqual(one('bgp.holdTime', 'at most 65535s (a 16-bit field), got '));
  });

  it('a BGP hold time of 0s, which gobgpd would read as its default of 90 s', () => {
    const issues = issuesOf(set(['bgp', 'holdTime'], '0s'));
    expect(issues).toContainEqual({ path: 'bgp.holdTime', message: 'expected whole seconds, at least 3s (RFC 4271) and at most 65535s (a 16-bit field), got 0s' });
  });

  it('accepts a BGP hold time of 65535s, the largest BGP can carry', () => {
    expect(issuesOf((s) => { setIn(s, ['bgp', 'holdTime'], '65535s'); setIn(s, ['bgp', 'keepalive'], '21845s'); })).toEqual([]);
  });

  it('a BFD interval of 0ms', () => {
    expect(issuesOf(set(['bgp', 'bfd', 'interval'], '0ms'))).toEqual(one('bgp.bfd.interval', 'expected a duration above 0, got "0ms"'));
  });

  it('a BFD interval above 1h, which BIRD would silently wrap (BFD carries 32-bit microseconds)', () => {
    expect(issuesOf(set(['bgp', 'bfd', 'interval'], '2h'))).toEqual(one('bgp.bfd.interval', 'expected at most 1h'));
  });

  it.each(['connect', 'client', 'server'])('an HAProxy timeout %s of 0s, which HAProxy reads as no timeout at all', (field) => {
    expect(issuesOf(set(['services', 1, 'l7', 'timeouts'], { [field]: '0s' }))).toEqual(one(`services[1].l7.timeouts.${field}`, 'expected a duration above 0, got "0s"'));
  });

  it('a DNS zone inside another zone (gdnsd: a sub-zone of an existing zone)', () => {
    const issues = issuesOf((s) => {
      const zone = structuredClone(getIn(s, ['dns', 'zones', 0])) as Json;
      pushIn(s, ['dns', 'zones'], { ...zone, name: 'sub.example.org', ns: ['ns1.example.org'], records: [] });
    });
    expect(issues).toEqual(one('dns.zones[1].name', 'got "sub.example.org" inside "example.org"'));
  });

  it('a runDir too long for the Unix sockets in it (HAProxy: "socket path too long (max 97)")', () => {
    expect(issuesOf(set(['agent'], { runDir: `/${'r'.repeat(80)}` }))).toEqual(one('agent.runDir', 'expected at most 80 characters'));
  });

  it('a path longer than a daemon config line can hold', () => {
    expect(issuesOf(set(['agent'], { stateDir: `/${'s/'.repeat(600)}` }))).toEqual(one('agent.stateDir', 'expected a path of at most 1024 characters'));
  });

  it('an HTTP check path longer than a daemon config line can hold', () => {
    expect(issuesOf(set(['services', 0, 'l7', 'check', 'path'], `/${'p'.repeat(1024)}`))).toEqual(one('services[0].l7.check.path', 'expected an HTTP path of at most 1024 characters'));
  });
});
