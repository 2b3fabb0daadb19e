// Builds (once per version of its source) the ptrace wrapper that lets
// Debian's user-mode-linux 6.1 run on hosts whose XSAVE area is larger than
// it expects (CPUs with AMX): see xstate-shim.c. The lab kernel is still the
// real one; only its calls into the host's ptrace are adapted.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'xstate-shim.c');

export class XstateShimError extends Error {
  readonly code = 'TIERLB_UML_SHIM';
}

/** The shared object to preload into linux.uml, built with gcc under `cacheDir` if it is not there yet. */
export async function xstateShim(cacheDir: string): Promise<string> {
  const source = await readFile(SOURCE, 'utf8');
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const target = join(cacheDir, `uml-xstate-${digest}.so`);
  if (existsSync(target)) return target;
  await mkdir(cacheDir, { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  const r = await execa('gcc', ['-O2', '-shared', '-fPIC', '-o', partial, SOURCE, '-ldl'], { reject: false, timeout: 60000 });
  if (r.exitCode !== 0) {
    throw new XstateShimError(`cannot build the user-mode-linux ptrace shim (gcc, from Debian's gcc and libc6-dev packages): ${(r.stderr || r.message || 'no output').slice(0, 400)}`);
  }
  await rename(partial, target);
  return target;
}
