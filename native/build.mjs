// Builds the IPVS netlink addon with node-gyp (npm's own copy, offline
// against the installed Node headers). `--optional` (the npm install hook)
// reports a failed build and exits 0: the package and its pure parts still
// work, the L4 applier falls back to ipvsadm, and the lab tests of the addon
// say "native addon not built: run npm run build:native".
// `--directory DIR` builds a copy of binding.gyp and src/ there instead (the
// Debian package's build, with Debian's hardening flags in CFLAGS, CXXFLAGS
// and LDFLAGS, leaves the checkout's own build alone).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { optional: { type: 'boolean', default: false }, directory: { type: 'string' } } });
const here = values.directory ?? dirname(fileURLToPath(import.meta.url));
const optional = values.optional;

// npm sets npm_config_node_gyp for scripts; otherwise look beside npm.
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].filter((f) => f && existsSync(f));

function fail(message) {
  console.error(`tierlb: native IPVS addon not built: ${message}`);
  console.error('tierlb: the L4 applier will use ipvsadm; run `npm run build:native` to see why');
  process.exit(optional ? 0 : 1);
}

// The install hook leaves an up-to-date build alone: a rebuild empties
// build/ for a while, under the feet of whatever is using the addon.
const built = join(here, 'build/Release/ipvs_netlink.node');
const sources = ['binding.gyp', ...readdirSync(join(here, 'src')).map((f) => join('src', f))].map((f) => join(here, f));
if (optional && existsSync(built) && sources.every((f) => statSync(f).mtimeMs <= statSync(built).mtimeMs)) {
  console.log(`tierlb: ${built} is up to date`);
  process.exit(0);
}

if (process.platform !== 'linux') fail(`IPVS is Linux only, this is ${process.platform}`);
if (candidates.length === 0) fail('node-gyp not found (it comes with npm)');
// Headers beside this node (Debian: /usr/include/node) build offline;
// without them node-gyp downloads them.
const prefix = join(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir ?? (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined);
const r = spawnSync(process.execPath, [candidates[0], 'rebuild', '--directory', here], {
  stdio: optional ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  env: nodedir ? { ...process.env, npm_config_nodedir: nodedir } : process.env,
});
if (r.status !== 0) fail(`node-gyp exited ${r.status ?? r.signal}`);
console.log(`tierlb: built ${built}`);
