// Compiles the data-path programs (bpf/*.c) with Debian's clang for the BPF
// target: bpf/build/<name>.o, or the folder given with --out. `--optional`
// (the npm install hook) says why it could not and exits 0, like the
// native addon's build: whatever loads a program then says it is missing.
// Nothing is downloaded: the headers come from libbpf-dev and linux-libc-dev.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { optional: { type: 'boolean', default: false }, out: { type: 'string' } } });
const out = values.out ?? join(here, 'build');

function fail(message) {
  console.error(`tierlb: BPF programs not built: ${message}`);
  process.exit(values.optional ? 0 : 1);
}

const clang = spawnSync('clang', ['--version'], { encoding: 'utf8' });
if (clang.error || clang.status !== 0) fail('clang not found (Debian package clang; scripts/ensure-deps.sh installs it)');
if (!existsSync('/usr/include/bpf/bpf_helpers.h')) fail('libbpf headers not found (Debian package libbpf-dev)');
// asm/types.h lives under the multiarch include folder, which clang's BPF target does not search.
const multiarch = spawnSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).stdout?.trim() || 'x86_64-linux-gnu';

mkdirSync(out, { recursive: true });
for (const source of readdirSync(here).filter((f) => f.endsWith('.c'))) {
  const object = join(out, source.replace(/\.c$/, '.o'));
  if (values.optional && existsSync(object) && statSync(object).mtimeMs >= statSync(join(here, source)).mtimeMs) continue;
  const r = spawnSync('clang', ['-O2', '-g', '-Wall', '-Werror', '-target', 'bpf', `-I/usr/include/${multiarch}`, '-c', join(here, source), '-o', object], { encoding: 'utf8' });
  if (r.status !== 0) fail(`clang ${source}: ${(r.stderr || r.error?.message || '').trim()}`);
  console.log(`tierlb: built ${object}`);
}
