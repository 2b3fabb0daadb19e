import { describe, expect, it } from 'vitest';
import { changedCertificates, certificatePaths, type CertificateDigest, type CertificateDigests } from './certificates.js';
import { featuresSite } from './test-site.js';
import type { Token } from '../../site/index.js';

const A = `sha256:${'a'.repeat(64)}` as const;
const B = `sha256:${'b'.repeat(64)}` as const;
const digests = (entries: [string, CertificateDigest][]): CertificateDigests => new Map(entries);

describe('changedCertificates: must HAProxy reload for its certificates?', () => {
  it('says no when every digest is what HAProxy loaded (a touch, or the same bytes written again)', () => {
    expect(changedCertificates(digests([['/c/www.pem', A]]), digests([['/c/www.pem', A]]))).toEqual([]);
  });

  it('says yes, naming the file, when a certificate\'s content changed', () => {
    expect(changedCertificates(digests([['/c/www.pem', A], ['/c/api.pem', A]]), digests([['/c/www.pem', B], ['/c/api.pem', A]]))).toEqual(['/c/www.pem']);
  });

  it('says yes when a missing certificate appears, and when one goes missing', () => {
    expect(changedCertificates(digests([['/c/www.pem', 'missing']]), digests([['/c/www.pem', A]]))).toEqual(['/c/www.pem']);
    expect(changedCertificates(digests([['/c/www.pem', A]]), digests([['/c/www.pem', 'missing']]))).toEqual(['/c/www.pem']);
  });

  it('says yes for a certificate the site added or dropped', () => {
    expect(changedCertificates(digests([]), digests([['/c/new.pem', A]]))).toEqual(['/c/new.pem']);
    expect(changedCertificates(digests([['/c/old.pem', A]]), digests([]))).toEqual(['/c/old.pem']);
  });

  it('lists several changes sorted', () => {
    expect(changedCertificates(digests([['/c/b.pem', A], ['/c/a.pem', A]]), digests([['/c/b.pem', B], ['/c/a.pem', B]]))).toEqual(['/c/a.pem', '/c/b.pem']);
  });
});

describe('certificatePaths', () => {
  it('lists the certificates of the services an L7 node serves, sorted, each once', () => {
    expect(certificatePaths(featuresSite(), 'l7-1' as Token)).toEqual(['/etc/tierlb/certs/www-ecdsa.pem', '/etc/tierlb/certs/www.pem']);
  });

  it('lists none for a node that serves no TLS service', () => {
    expect(certificatePaths(featuresSite(), 'l4-1' as Token)).toEqual([]);
  });
});
