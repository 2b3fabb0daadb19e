// Runs a CommonJS bundle of the lab (lab/bundle.ts) compiled from the V8 code
// cache beside it (BUNDLE.v8cache). Every agent of the lab starts the same
// 2 MB bundle, and in the one-CPU lab kernel compiling it again in each
// process cost about 0.4 s of CPU per process (measured: `tierlb render`
// 1.6 s from the ES module, 1.2 s from this loader and its cache; `node -e
// 0` is 0.33 s). A cache that does not match the bundle (another build,
// another node) is refused by V8, and the bundle is compiled as usual.
// lab/bundle.ts writes the launcher that calls runCached, and the cache: it
// runs the launcher once with TIERLB_WRITE_CODE_CACHE=1, which writes the
// cache with every function compiled by the end of that run.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

/** Runs `bundle` (an absolute path) as the main program. */
export function runCached(bundle) {
  const cacheFile = `${bundle}.v8cache`;
  const write = process.env.TIERLB_WRITE_CODE_CACHE === '1';
  delete process.env.TIERLB_WRITE_CODE_CACHE;
  const cachedData = !write && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const mod = new Module(bundle);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(dirname(bundle));
  if (write) {
    process.on('exit', () => {
      writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData());
      renameSync(`${cacheFile}.${process.pid}`, cacheFile);
    });
  }
  script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
}
