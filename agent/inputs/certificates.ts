// The TLS certificate files an L7 node's HAProxy loads, as inputs of the
// agent's turns: their digests (read each turn, so the config carries what
// the files hold: tiers/l7/certificates.ts), and a watch that asks for a
// turn when one of them is written, so a renewed certificate is served
// within a second instead of at the next unrelated reload.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CertificateDigest, CertificateDigests } from '../../tiers/l7/certificates.js';
import { watchFiles, type FileWatch } from './watch.js';

export interface CertificateSource {
  /** The digest of each file's content now; a file that cannot be read says why instead. */
  digests(paths: readonly string[]): Promise<CertificateDigests>;
  /** Calls `onChange` once a write to one of `paths` has settled (a renewal writes, then renames). */
  watch(paths: readonly string[], onChange: (path: string) => void): Promise<FileWatch>;
}

async function digestOf(path: string): Promise<CertificateDigest> {
  try {
    return `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
}

export const fileCertificates: CertificateSource = {
  digests: async (paths) => new Map(await Promise.all(paths.map(async (p) => [p, await digestOf(p)] as const))),
  // Only the settled call: a turn between the truncate and the write of an in-place rewrite would read half a file.
  watch: (paths, onChange) => watchFiles(paths, (path, kind) => { if (kind === 'settled') onChange(path); }),
};

/** Keeps one watch on the certificates the site names now: a site edit that adds or drops one moves it. */
export class CertificateWatch {
  private watching: { readonly key: string; readonly watch: FileWatch } | undefined;

  constructor(private readonly source: CertificateSource, private readonly onChange: (path: string) => void) {}

  async sync(paths: readonly string[]): Promise<void> {
    const key = JSON.stringify(paths);
    if (this.watching?.key === key) return;
    await this.close();
    if (paths.length === 0) return;
    this.watching = { key, watch: await this.source.watch(paths, this.onChange) };
  }

  async close(): Promise<void> {
    const w = this.watching;
    this.watching = undefined;
    await w?.watch.close();
  }
}
