// haproxy.cfg with the L7 features on (TLS termination, PROXY protocol v2 to
// the servers, slow start), against its golden copy and line by line.
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../test/helpers/golden.js';
import type { CertificateDigest, CertificateDigests } from './certificates.js';
import { renderHaproxyCfg } from './index.js';
import { featuresSite, nodeOf } from './test-site.js';
import { haproxyView } from './view.js';

const site = featuresSite();
const DIGESTS: CertificateDigests = new Map<string, CertificateDigest>([
  ['/etc/tierlb/certs/www.pem', `sha256:${'a'.repeat(64)}`],
  ['/etc/tierlb/certs/www-ecdsa.pem', 'missing'],
]);
const cfg = (digests?: CertificateDigests): string => renderHaproxyCfg(haproxyView(site, nodeOf(site, 'l7-1'), digests));
const linesOf = (text: string, re: RegExp): string[] => text.split('\n').filter((l) => re.test(l));

describe('haproxy.cfg with TLS, PROXY protocol v2 and slow start', () => {
  it('renders as its golden copy', () => {
    expectGolden('l7/features/haproxy.cfg', cfg(DIGESTS));
  });

  it('terminates TLS on every bind of the service, with each certificate, the minimum version and ALPN', () => {
    expect(linesOf(cfg(DIGESTS), /^ {4}bind 198\.51\.100\.1:80 /)).toEqual([
      '    bind 198.51.100.1:80 ssl crt /etc/tierlb/certs/www.pem crt /etc/tierlb/certs/www-ecdsa.pem ssl-min-ver TLSv1.2 alpn h2,http/1.1',
    ]);
    expect(linesOf(cfg(DIGESTS), /^ {4}bind .* ssl /)).toHaveLength(4);
  });

  it('leaves the binds of a service without TLS plain', () => {
    expect(linesOf(cfg(DIGESTS), /^ {4}bind 198\.51\.100\.3:80$/)).toHaveLength(1);
  });

  it('prints the digest the agent read of each certificate, so a renewed file changes the config', () => {
    expect(linesOf(cfg(DIGESTS), /^# certificate /)).toEqual([
      `# certificate /etc/tierlb/certs/www.pem sha256:${'a'.repeat(64)}`,
      '# certificate /etc/tierlb/certs/www-ecdsa.pem missing',
    ]);
    const renewed = new Map<string, CertificateDigest>(DIGESTS).set('/etc/tierlb/certs/www.pem', `sha256:${'b'.repeat(64)}`);
    expect(cfg(renewed)).not.toBe(cfg(DIGESTS));
    expect(cfg(new Map(DIGESTS))).toBe(cfg(DIGESTS));
  });

  it('says not-read for a certificate no digest was given for (tierlb render)', () => {
    expect(linesOf(cfg(), /^# certificate /)).toEqual([
      '# certificate /etc/tierlb/certs/www.pem not-read',
      '# certificate /etc/tierlb/certs/www-ecdsa.pem not-read',
    ]);
  });

  it('tells the servers of a TLS service in mode http that the user came over https', () => {
    expect(linesOf(cfg(DIGESTS), /X-Forwarded-Proto/)).toEqual(['    http-request set-header X-Forwarded-Proto https']);
  });

  it('answers no tunnel check path on a TLS service: the L4 nodes check it by connect', () => {
    expect(cfg(DIGESTS)).not.toContain('/tierlb/health/web/tunnel');
  });

  it('sends PROXY protocol v2 to every server of the tcp service, health checks included', () => {
    const servers = linesOf(cfg(DIGESTS), /^ {4}server srv-\d 10\.0\.2\.4\d:8081 /);
    expect(servers).toHaveLength(4);
    for (const line of servers) expect(line).toMatch(/ slowstart 1m send-proxy-v2 check-send-proxy agent-check /);
  });

  it('ramps the servers of the http service over its slow start and sends them no PROXY header', () => {
    const servers = linesOf(cfg(DIGESTS), /^ {4}server srv-\d .*:8080 /);
    expect(servers).toHaveLength(4);
    for (const line of servers) {
      expect(line).toContain(' slowstart 30s ');
      expect(line).not.toContain('send-proxy');
    }
  });
});
