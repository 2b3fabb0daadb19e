// Installs one daemon's set of rendered files: stage them all in a fresh
// folder beside the targets, let the daemon's own checker judge the staged
// tree, and only then rename each file into place. A rejected set leaves the
// running files untouched; an unchanged set touches nothing.
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RenderedFile } from '../../tiers/common/files.js';

export interface CheckVerdict {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs the daemon's checker on a staged tree laid out like the target folder. */
export type Checker = (stagedDir: string) => Promise<CheckVerdict>;

export type InstallResult =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'installed'; readonly changed: readonly string[] }
  | { readonly kind: 'rejected'; readonly output: string }
  | { readonly kind: 'failed'; readonly error: Error };

export async function installFiles(targetDir: string, files: readonly RenderedFile[], check: Checker | undefined): Promise<InstallResult> {
  try {
    const changed = await changedFiles(targetDir, files);
    if (changed.length === 0) return { kind: 'unchanged' };
    await mkdir(targetDir, { recursive: true });
    const staged = await mkdtemp(join(targetDir, '.staging-'));
    try {
      await writeTree(staged, files);
      const verdict = check ? await check(staged) : { ok: true, output: '' };
      if (!verdict.ok) return { kind: 'rejected', output: verdict.output };
      for (const name of changed) {
        await mkdir(dirname(join(targetDir, name)), { recursive: true });
        await rename(join(staged, name), join(targetDir, name));
      }
      return { kind: 'installed', changed };
    } finally {
      await rm(staged, { recursive: true, force: true });
    }
  } catch (error) {
    return { kind: 'failed', error: error as Error };
  }
}

async function changedFiles(dir: string, files: readonly RenderedFile[]): Promise<string[]> {
  const changed: string[] = [];
  for (const f of files) {
    const current = await readFile(join(dir, f.name), 'utf8').catch(() => undefined);
    if (current !== f.content) changed.push(f.name);
  }
  return changed;
}

async function writeTree(dir: string, files: readonly RenderedFile[]): Promise<void> {
  for (const f of files) {
    const path = join(dir, f.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.content, { mode: 0o644 });
  }
}
