// One JavaScript file per program the lab runs (the tierlb command line and
// the checks), dependencies included. In the user-mode-linux kernel a Node.js
// process that resolves and loads its modules file by file spends seconds of
// the guest's one CPU doing so; a bundle cuts that and skips tsx entirely.
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export const REPO = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
/** Under the repository, so the netlink addon loader (agent/drivers/ipvs/netlink-addon.ts, three folders up) finds native/ from the bundle. */
export const BUNDLE_DIR = join(REPO, 'node_modules', '.cache', 'tierlb-lab');

export interface Bundles { readonly tierlb: string; readonly checks: string; readonly server: string; readonly client: string }

export async function bundleLab(): Promise<Bundles> {
  await mkdir(BUNDLE_DIR, { recursive: true });
  const out = { tierlb: join(BUNDLE_DIR, 'tierlb.mjs'), checks: join(BUNDLE_DIR, 'checks.mjs') };
  await build({
    entryPoints: { tierlb: join(REPO, 'cli', 'main.ts'), checks: join(REPO, 'lab', 'guest', 'main.ts') },
    outdir: BUNDLE_DIR, outExtension: { '.js': '.mjs' },
    bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning',
    // Some dependencies are CommonJS and call require(); an ESM bundle has none.
    banner: { js: "import { createRequire as __labRequire } from 'node:module'; const require = __labRequire(import.meta.url);" },
  });
  return { ...out, server: join(REPO, 'lab', 'server.mjs'), client: join(REPO, 'lab', 'client.mjs') };
}
