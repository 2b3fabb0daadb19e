import { mkdtempSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateWatch, fileCertificates } from './certificates.js';

async function until(done: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('expected a change that did not come');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('fileCertificates.digests', () => {
  it('gives the same digest for the same bytes and another for other bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-cert-'));
    const a = join(dir, 'a.pem');
    const b = join(dir, 'b.pem');
    writeFileSync(a, 'CERT ONE\n');
    writeFileSync(b, 'CERT ONE\n');
    const first = await fileCertificates.digests([a, b]);
    expect(first.get(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.get(b)).toBe(first.get(a));
    writeFileSync(b, 'CERT TWO\n');
    expect((await fileCertificates.digests([b])).get(b)).not.toBe(first.get(a));
  });

  it('says missing for a file that is not there and unreadable for a folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-cert-'));
    const d = await fileCertificates.digests([join(dir, 'absent.pem'), dir]);
    expect([...d.values()]).toEqual(['missing', 'unreadable']);
  });
});

describe('CertificateWatch', () => {
  let watch: CertificateWatch | undefined;
  afterEach(async () => { await watch?.close(); });

  it('asks for a turn once a certificate is rewritten, and once it is replaced by rename', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-cert-'));
    const cert = join(dir, 'www.pem');
    writeFileSync(cert, 'old\n');
    const seen: string[] = [];
    watch = new CertificateWatch(fileCertificates, (p) => seen.push(p));
    await watch.sync([cert]);
    writeFileSync(cert, 'new\n');
    await until(() => seen.length === 1);
    writeFileSync(join(dir, '.www.pem.tmp'), 'newer\n');
    renameSync(join(dir, '.www.pem.tmp'), cert);
    await until(() => seen.length === 2);
    expect(seen).toEqual([cert, cert]);
  });

  it('ignores other files in the certificate folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-cert-'));
    const seen: string[] = [];
    watch = new CertificateWatch(fileCertificates, (p) => seen.push(p));
    await watch.sync([join(dir, 'www.pem')]);
    writeFileSync(join(dir, 'other.pem'), 'x\n');
    await sleep(500);
    expect(seen).toEqual([]);
  });

  it('moves to the certificates of an edited site and stops watching the old ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-cert-'));
    const [old, next] = [join(dir, 'old.pem'), join(dir, 'new.pem')];
    const seen: string[] = [];
    watch = new CertificateWatch(fileCertificates, (p) => seen.push(p));
    await watch.sync([old]);
    await watch.sync([next]);
    writeFileSync(old, 'x\n');
    writeFileSync(next, 'y\n');
    await until(() => seen.length >= 1);
    await sleep(300);
    expect(seen).toEqual([next]);
  });

  it('reports a touch too: the digest, not the event, decides whether HAProxy reloads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-cert-'));
    const cert = join(dir, 'www.pem');
    writeFileSync(cert, 'same\n');
    const before = await fileCertificates.digests([cert]);
    const seen: string[] = [];
    watch = new CertificateWatch(fileCertificates, (p) => seen.push(p));
    await watch.sync([cert]);
    const later = new Date(Date.now() + 5000);
    utimesSync(cert, later, later);
    await until(() => seen.length === 1);
    expect(await fileCertificates.digests([cert])).toEqual(before);
  });
});
