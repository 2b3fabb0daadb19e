// tierlb as one ES module for the user-mode-linux guest: starting the agent
// through tsx there took 14 s warm and 30 s cold (one CPU, every source file
// transformed), the bundle a fraction of that. It lives under /var/tmp,
// which the guest sees through its host-filesystem root (its /tmp is a fresh
// tmpfs), with node_modules linked beside it: the packages stay external.
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO } from './site.js';

export interface TierlbBundle {
  readonly dir: string;
  /** `node MAIN agent ...` runs the CLI. */
  readonly main: string;
  remove(): Promise<void>;
}

export async function bundleTierlb(): Promise<TierlbBundle> {
  await mkdir('/var/tmp/tierlb', { recursive: true });
  const dir = await mkdtemp('/var/tmp/tierlb/app-');
  const main = join(dir, 'tierlb.mjs');
  await execa(join(REPO, 'node_modules', '.bin', 'esbuild'), [
    join(REPO, 'cli', 'main.ts'), '--bundle', '--platform=node', '--format=esm', '--target=node20',
    '--packages=external', `--outfile=${main}`, '--log-level=warning',
  ], { cwd: REPO });
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return { dir, main, remove: () => rm(dir, { recursive: true, force: true }) };
}
