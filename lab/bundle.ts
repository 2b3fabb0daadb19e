// One JavaScript file per program the lab runs (the tierlb command line and
// the checks), dependencies included. In the user-mode-linux kernel a Node.js
// process that resolves and loads its modules file by file spends seconds of
// the guest's one CPU doing so; a bundle cuts that and skips tsx entirely.
// The tierlb command line, which every node's agent starts, is a CommonJS
// bundle run through lab/cached-run.mjs with a V8 code cache made here once
// per build: compiling it from the cache costs each agent about 0.4 s of the
// lab kernel's CPU less.
import { execa } from 'execa';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const REPO = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
/** Under the repository, so the netlink addon loader (agent/drivers/ipvs/netlink-addon.ts, three folders up) finds native/ from the bundle. */
export const BUNDLE_DIR = join(REPO, 'node_modules', '.cache', 'tierlb-lab');

export interface Bundles { readonly tierlb: string; readonly checks: string; readonly server: string; readonly client: string; readonly flows: string }

/**
 * What the lab's programs load but never run, left out of their bundles:
 * zod's error messages in 60 languages (a sixth of the bundle, reached only
 * through zod's `locales` namespace; its messages are English, which stays),
 * prom-client's Pushgateway (it loads https, tls and zlib; the agents are
 * scraped, they never push) and pino's worker-thread transports (the agents
 * log to stdout). Every module the bundle loads costs each agent CPU in the
 * one-CPU lab kernel, Node's own (https, tls) included.
 */
const unusedInTheLab: Plugin = {
  name: 'unused-in-the-lab',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";', loader: 'js', resolveDir: join(args.path, '..'),
    }));
    b.onLoad({ filter: /[\\/]prom-client[\\/]lib[\\/]pushgateway\.js$/ }, () => ({
      contents: 'module.exports = class Pushgateway { constructor() { throw new Error("the lab bundle has no Pushgateway"); } };', loader: 'js',
    }));
    // etcd3 reads its gRPC definitions next to its own files: the bundle lives elsewhere.
    b.onLoad({ filter: /[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace('`${__dirname}/../proto/rpc.proto`', JSON.stringify(join(args.path, '..', '..', 'proto', 'rpc.proto'))), loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]thread-stream[\\/]index\.js$/ }, () => ({
      contents: 'module.exports = class ThreadStream { constructor() { throw new Error("the lab bundle has no pino transports"); } };', loader: 'js',
    }));
  },
};

/** Some dependencies are CommonJS and call require(); an ESM bundle has none. */
const ESM_REQUIRE = { js: "import { createRequire as __labRequire } from 'node:module'; const require = __labRequire(import.meta.url);" };

/**
 * Programs of one's own run inside the lab (a bench's scenarios, the
 * dashboard picture's scraper), one ES module each in BUNDLE_DIR as
 * NAME.mjs, built as the lab's own checks are.
 */
export async function bundleGuestPrograms(entryPoints: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(BUNDLE_DIR, { recursive: true });
  await build({
    entryPoints: { ...entryPoints }, outdir: BUNDLE_DIR, outExtension: { '.js': '.mjs' },
    bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', banner: ESM_REQUIRE,
  });
}

export async function bundleLab(): Promise<Bundles> {
  await mkdir(BUNDLE_DIR, { recursive: true });
  const out = { tierlb: join(BUNDLE_DIR, 'tierlb.cjs'), checks: join(BUNDLE_DIR, 'checks.mjs'), flows: join(BUNDLE_DIR, 'flows.mjs') };
  const program = join(BUNDLE_DIR, 'tierlb.bundle.cjs');
  // Built beside and renamed over: a lab that is starting (another run, the
  // disruption bench) loads either the old file or the new one, never half.
  const staging = await mkdtemp(join(BUNDLE_DIR, '.build-'));
  const common: BuildOptions = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', plugins: [unusedInTheLab] };
  await Promise.all([
    build({
      ...common, entryPoints: { checks: join(REPO, 'lab', 'guest', 'main.ts'), flows: join(REPO, 'bench', 'flows', 'main.ts') }, outdir: staging, outExtension: { '.js': '.mjs' }, format: 'esm',
      banner: ESM_REQUIRE,
    }),
    build({
      ...common, entryPoints: [join(REPO, 'lab', 'tierlb-entry.ts')], outfile: join(staging, 'tierlb.bundle.cjs'), format: 'cjs',
      // The netlink addon is found from the bundle's own place, as from the ES module it replaces.
      define: { 'import.meta.url': '__importMetaUrl' },
      banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
  ]);
  await writeFile(join(staging, 'tierlb.cjs'), `// Generated by lab/bundle.ts: the tierlb command line, from its V8 code cache.\nvoid import(${JSON.stringify(pathToFileURL(join(REPO, 'lab', 'cached-run.mjs')).href)}).then((m) => m.runCached(${JSON.stringify(program)}));\n`);
  const sameProgram = existsSync(`${program}.v8cache`) && await sameFile(join(staging, 'tierlb.bundle.cjs'), program);
  await rename(join(staging, 'checks.mjs'), out.checks);
  await rename(join(staging, 'flows.mjs'), out.flows);
  await rename(join(staging, 'tierlb.bundle.cjs'), program);
  await rename(join(staging, 'tierlb.cjs'), out.tierlb);
  await rm(staging, { recursive: true, force: true });
  if (!sameProgram) await writeCodeCache(out.tierlb);
  return { ...out, server: join(REPO, 'lab', 'server.mjs'), client: join(REPO, 'lab', 'client.mjs') };
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([readFile(a), readFile(b).catch(() => undefined)]);
  return y !== undefined && x.equals(y);
}

/**
 * The cache holds what V8 compiled in one run: a render of an L7 node of the
 * lab's site reads and checks a site file and renders templates, which is
 * most of what an agent's start compiles. Same node binary as the lab's.
 */
async function writeCodeCache(launcher: string): Promise<void> {
  const r = await execa(process.execPath, [launcher, 'render', join(REPO, 'lab', 'site.yaml'), '--node', 'l7-1'], {
    reject: false, timeout: 60000, env: { TIERLB_WRITE_CODE_CACHE: '1' }, stdout: 'ignore',
  });
  if (r.exitCode !== 0) throw new Error(`the lab's tierlb bundle failed its first run (tierlb render), which writes its code cache: ${String(r.stderr).slice(0, 1000)}`);
}
