// The TLS certificates an L7 node's HAProxy loads, and the decision to
// reload it when one of them changes. HAProxy reads a certificate file only
// when it starts or reloads, so a renewed certificate is served only after a
// reload. The agent reads each file's digest as an input of its turn, and
// the digests are printed into haproxy.cfg beside the frontend: a renewed
// file changes the config, which is then checked (`haproxy -c` loads the
// certificates) and reloaded like any other change, and a file that was only
// touched, or written again with the same bytes, changes nothing. Pure.
import { servicesOnL7, type FsPath, type Site, type Token } from '../../site/index.js';

/** A file's content as the agent read it: `sha256:<hex>`, or why it has none. */
export type CertificateDigest = `sha256:${string}` | 'missing' | 'unreadable';

/** Certificate path → digest; a path the agent has not read is absent. */
export type CertificateDigests = ReadonlyMap<string, CertificateDigest>;

/** What a config says of a certificate it was not given a digest for (`tierlb render`). */
export const NOT_READ = 'not-read';

/** Every certificate the services of `node` present, sorted, each once. */
export function certificatePaths(site: Site, node: Token): FsPath[] {
  const paths = new Set<FsPath>(servicesOnL7(site, node).flatMap((s) => s.l7.tls?.certificates ?? []));
  return [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The certificates whose content differs between what HAProxy loaded and
 * what the files hold now, sorted: HAProxy must reload when this is not
 * empty. A certificate that appears or goes counts; one whose digest is the
 * same does not, however often the file was touched or rewritten.
 */
export function changedCertificates(loaded: CertificateDigests, now: CertificateDigests): string[] {
  const paths = new Set([...loaded.keys(), ...now.keys()]);
  return [...paths].filter((p) => loaded.get(p) !== now.get(p)).sort();
}

/** The digest a config prints for `path`. */
export function digestText(digests: CertificateDigests | undefined, path: string): string {
  return digests?.get(path) ?? NOT_READ;
}
