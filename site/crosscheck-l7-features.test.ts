// The PROXY protocol, TLS, slow-start and ramp settings of a service: what
// the parser takes, what it refuses, and the words it refuses them with.
import { describe, expect, it } from 'vitest';
import { exampleValue, parseValue } from '../test/helpers/site.js';
import { formatPath } from './index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Value = Record<string, any>;

function issuesOf(edit: (v: Value) => void): string[] {
  const v = exampleValue() as Value;
  edit(v);
  return parseValue(v).issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

function parsed(edit: (v: Value) => void) {
  const v = exampleValue() as Value;
  edit(v);
  const { site, issues } = parseValue(v);
  if (!site) throw new Error(`expected a valid site, got ${JSON.stringify(issues)}`);
  return site;
}

const web = (v: Value): Value => v.services[0].l7;
const api = (v: Value): Value => v.services[1].l7;

describe('proxyProtocol', () => {
  it('defaults to none', () => {
    expect(parsed(() => undefined).services.map((s) => s.l7.proxyProtocol)).toEqual(['none', 'none']);
  });

  it('takes v2 on a service in mode tcp', () => {
    expect(parsed((v) => { api(v).proxyProtocol = 'v2'; }).services[1]?.l7.proxyProtocol).toBe('v2');
  });

  it('takes v2 on a service in mode http too: HAProxy sends the header in either mode', () => {
    expect(parsed((v) => { web(v).proxyProtocol = 'v2'; }).services[0]?.l7.proxyProtocol).toBe('v2');
  });

  it('refuses a version it does not know', () => {
    expect(issuesOf((v) => { api(v).proxyProtocol = 'v1'; })).toEqual(['services[1].l7.proxyProtocol: expected one of "none", "v2", got "v1"']);
  });
});

describe('slowStart', () => {
  it('is off by default', () => {
    expect(parsed(() => undefined).services[0]?.l7.slowStart.ms).toBe(0);
  });

  it('takes a duration of at least twice the check interval', () => {
    expect(parsed((v) => { web(v).slowStart = '2s'; }).services[0]?.l7.slowStart.toString()).toBe('2s');
  });

  it('refuses a duration shorter than two checks', () => {
    expect(issuesOf((v) => { web(v).slowStart = '1500ms'; })).toEqual(['services[0].l7.slowStart: expected 0s (off) or a duration from twice the check interval (1s × 2) to 1h, got 1500ms']);
  });

  it('refuses a duration above an hour', () => {
    expect(issuesOf((v) => { web(v).slowStart = '2h'; })).toEqual(['services[0].l7.slowStart: expected 0s (off) or a duration from twice the check interval (1s × 2) to 1h, got 120m']);
  });

  it('refuses a balance algorithm under which HAProxy does not ramp weights', () => {
    expect(issuesOf((v) => { web(v).slowStart = '30s'; web(v).balance = 'source'; })).toEqual([
      'services[0].l7.slowStart: expected balance roundrobin or leastconn with slowStart: HAProxy ramps the weight only under a dynamic algorithm, and balance source is not one',
    ]);
  });

  it('refuses a duration that is not one', () => {
    expect(issuesOf((v) => { web(v).slowStart = 'soon'; })).toEqual(['services[0].l7.slowStart: expected a duration like "500ms", "3s", "2m" or "1h", got "soon"']);
  });
});

describe('l4.rampUp', () => {
  it('is off by default', () => {
    expect(parsed(() => undefined).services[0]?.l4.rampUp.ms).toBe(0);
  });

  it.each(['10s', '2m', '60m'])('takes %s', (d) => {
    expect(parsed((v) => { v.services[0].l4.rampUp = d; }).services[0]?.l4.rampUp.toString()).toBe(d);
  });

  it.each(['5s', '61m'])('refuses %s', (d) => {
    expect(issuesOf((v) => { v.services[0].l4.rampUp = d; })).toEqual([`services[0].l4.rampUp: expected 0s (off) or a duration from 10s to 1h, got ${d}`]);
  });
});

describe('tls', () => {
  it('takes certificates and fills in the minimum version', () => {
    const tls = parsed((v) => { web(v).tls = { certificates: ['/etc/tierlb/certs/www.pem'] }; }).services[0]?.l7.tls;
    expect(tls).toEqual({ certificates: ['/etc/tierlb/certs/www.pem'], minVersion: 'TLSv1.2' });
  });

  it('takes ALPN in mode http', () => {
    const tls = parsed((v) => { web(v).tls = { certificates: ['/etc/tierlb/certs/www.pem'], alpn: ['h2', 'http/1.1'], minVersion: 'TLSv1.3' }; }).services[0]?.l7.tls;
    expect(tls?.alpn).toEqual(['h2', 'http/1.1']);
  });

  it('takes TLS in mode tcp: HAProxy terminates it before the mode matters', () => {
    expect(parsed((v) => { api(v).tls = { certificates: ['/etc/tierlb/certs/api.pem'] }; }).services[1]?.l7.tls?.certificates).toEqual(['/etc/tierlb/certs/api.pem']);
  });

  it('refuses ALPN in mode tcp', () => {
    expect(issuesOf((v) => { api(v).tls = { certificates: ['/etc/tierlb/certs/api.pem'], alpn: ['h2'] }; })).toEqual([
      'services[1].l7.tls.alpn: expected no alpn in mode tcp: HAProxy hands the decrypted bytes to the server as they are, so offering h2 or http/1.1 would promise a protocol the service does not speak',
    ]);
  });

  it.each([
    ['a relative path', 'certs/www.pem', 'expected an absolute path'],
    ['a space that would split the bind line', '/etc/certs/www .pem', 'expected an absolute path'],
    ['a newline that would open a directive', '/etc/certs/www.pem\n    server evil 192.0.2.66:80', 'expected an absolute path'],
    ['a quote', '/etc/certs/"www.pem', 'expected an absolute path'],
    ['a parent folder', '/etc/../root/www.pem', "expected a path without '..'"],
  ])('refuses a certificate path with %s', (_what, path, reason) => {
    const issues = issuesOf((v) => { web(v).tls = { certificates: [path] }; });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain('services[0].l7.tls.certificates[0]: ');
    expect(issues[0]).toContain(reason);
  });

  it('refuses the same certificate twice', () => {
    expect(issuesOf((v) => { web(v).tls = { certificates: ['/etc/c/a.pem', '/etc/c/a.pem'] }; })).toEqual(['services[0].l7.tls.certificates[1]: duplicate certificate "/etc/c/a.pem" (first at index 0)']);
  });

  it('refuses certificate paths too long together for one HAProxy line', () => {
    const long = (i: number): string => `/etc/${'c'.repeat(200)}/${'d'.repeat(40)}${i}.pem`;
    const issues = issuesOf((v) => { web(v).tls = { certificates: [0, 1, 2, 3, 4, 5, 6].map(long) }; });
    expect(issues).toEqual([expect.stringMatching(/^services\[0\]\.l7\.tls\.certificates: expected the certificate paths to fit one HAProxy bind line: at most 1500 characters together, got \d+$/)]);
  });

  it('refuses an empty certificate list and an unknown TLS version', () => {
    expect(issuesOf((v) => { web(v).tls = { certificates: [], minVersion: 'TLSv1.0' }; })).toEqual([
      'services[0].l7.tls.certificates: expected at least 1 item(s)',
      'services[0].l7.tls.minVersion: expected one of "TLSv1.2", "TLSv1.3", got "TLSv1.0"',
    ]);
  });
});
