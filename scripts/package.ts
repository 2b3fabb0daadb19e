// `npm run package`: the Debian package of tierlb, built with Debian's own
// tools (dpkg-deb --root-owner-group, dpkg-shlibdeps), into dist-deb/ or
// the folder given with --out. What goes where is scripts/deb/layout.ts; the
// control and copyright files are pure functions of scripts/deb/.
//   usage: tsx scripts/package.ts [--out DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, rmdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { controlText, debianVersion } from './deb/control.js';
import { changelogDate, changelogText, copyrightText, type BundledLicense } from './deb/doc-files.js';
import { ADDON_PATH, BPF_DIR, commandScript, DIST_FOLDERS, LAYOUT, MAINTAINER_SCRIPTS, runtimePackageJson, SITE_FILE } from './deb/layout.js';
import { manPage } from './deb/man-page.js';
import { isLicenseFile, runtimeModules, shipsModuleFile, type Lockfile, type RuntimeModule } from './deb/modules.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_MAINTAINER = 'tierlb maintainers <tierlb@example.org>';

/** Debian packages of the tools the build runs, by the command that is missing. */
const TOOLS: Readonly<Record<string, string>> = {
  'dpkg-deb': 'dpkg', 'dpkg-shlibdeps': 'dpkg-dev', 'dpkg-buildflags': 'dpkg-dev', 'dpkg-architecture': 'dpkg-dev',
  clang: 'clang', 'g++': 'g++', make: 'make', strip: 'binutils',
};

class PackageError extends Error {}

interface Meta {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly license: string;
}

const step = (text: string): void => console.log(`tierlb package: ${text}`);

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(REPO, 'dist-deb') } } });
  const out = resolve(values.out);
  checkTools();
  const meta = readMeta();
  const arch = run('dpkg', ['--print-architecture']).trim();
  const work = join(out, 'build');
  const root = join(work, 'root');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const epoch = buildEpoch();

  step(`${meta.name} ${meta.version} for ${arch}, into ${out}`);
  step('building dist/ (npm run build)');
  run('npm', ['run', '--silent', 'build'], { inherit: true });
  const prefix = join(root, LAYOUT.prefix);
  stageProgram(prefix);
  const modules = stageModules(prefix);
  step('building the native addon with Debian\'s hardening flags');
  stageAddon(join(work, 'native'), join(prefix, ADDON_PATH));
  step('building the BPF programs');
  run(process.execPath, [join(REPO, 'bpf/build.mjs'), '--out', join(prefix, BPF_DIR)], { inherit: true });
  stageSystem(root, meta, modules, epoch);
  const shlibs = shlibDepends(work, join(prefix, ADDON_PATH));
  step(`shared libraries of the addon: ${shlibs.join(', ')}`);
  normalise(root, epoch);
  writeControl(root, meta, arch, shlibs);
  const deb = join(out, `${meta.name}_${meta.version}_${arch}.deb`);
  step(`dpkg-deb --build → ${relative(process.cwd(), deb) || deb}`);
  run('dpkg-deb', ['--build', '--root-owner-group', '-Zxz', root, deb], { env: { SOURCE_DATE_EPOCH: String(epoch) } });
  step(`done: ${deb}`);
}

function checkTools(): void {
  const missing = Object.entries(TOOLS).filter(([tool]) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length > 0) throw new PackageError(`missing tools: ${missing.map(([t, p]) => `${t} (Debian package ${p})`).join(', ')}`);
}

function readMeta(): Meta {
  const p = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Partial<Meta>;
  if (!p.name || !p.version || !p.description || !p.license) throw new PackageError('package.json: expected name, version, description and license');
  return { name: p.name, version: debianVersion(p.version), description: p.description, license: p.license };
}

/** SOURCE_DATE_EPOCH when set, otherwise the last commit's date: the same tree gives the same package. */
function buildEpoch(): number {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const fromGit = Number(spawnSync('git', ['-C', REPO, 'log', '-1', '--format=%ct'], { encoding: 'utf8' }).stdout.trim());
  return Number.isInteger(fromGit) && fromGit > 0 ? fromGit : Math.floor(Date.now() / 1000);
}

function stageProgram(prefix: string): void {
  step(`staging dist/ (${DIST_FOLDERS.join(', ')}) and bin/tierlb.js under /${LAYOUT.prefix}`);
  for (const folder of DIST_FOLDERS) {
    const from = join(REPO, 'dist', folder);
    if (!existsSync(from)) throw new PackageError(`${from} not built`);
    cpSync(from, join(prefix, 'dist', folder), { recursive: true, filter: (f) => !f.endsWith('.map') });
  }
  cpSync(join(REPO, 'bin/tierlb.js'), join(prefix, 'bin/tierlb.js'));
  chmodSync(join(prefix, 'bin/tierlb.js'), 0o755);
}

function stageModules(prefix: string): RuntimeModule[] {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lockfile;
  const modules = runtimeModules(lock).filter((m) => {
    if (existsSync(join(REPO, m.path))) return true;
    if (m.optional) return false;
    throw new PackageError(`${m.path} is in package-lock.json but not installed: run npm ci`);
  });
  step(`staging ${modules.length} production npm modules`);
  for (const m of modules) {
    const from = join(REPO, m.path);
    cpSync(from, join(prefix, m.path), { recursive: true, filter: (f) => f === from || shipsModuleFile(relative(from, f)) });
  }
  removeEmptyFolders(join(prefix, 'node_modules'));
  return modules;
}

function stageAddon(dir: string, target: string): void {
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO, 'native/binding.gyp'), join(dir, 'binding.gyp'));
  cpSync(join(REPO, 'native/src'), join(dir, 'src'), { recursive: true });
  // Every hardening feature, as a Debian package built with DEB_BUILD_MAINT_OPTIONS=hardening=+all has.
  const flags = Object.fromEntries(['CFLAGS', 'CXXFLAGS', 'CPPFLAGS', 'LDFLAGS']
    .map((f) => [f, run('dpkg-buildflags', ['--get', f], { env: { DEB_BUILD_MAINT_OPTIONS: 'hardening=+all' } }).trim()]));
  // binding.gyp asks node-addon-api for its headers from this folder, outside the checkout's module tree.
  run(process.execPath, [join(REPO, 'native/build.mjs'), '--directory', dir], { env: { ...flags, NODE_PATH: join(REPO, 'node_modules') } });
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(dir, 'build/Release/ipvs_netlink.node'), target);
  run('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', target]);
  chmodSync(target, 0o644);
}

function stageSystem(root: string, meta: Meta, modules: readonly RuntimeModule[], epoch: number): void {
  step('staging /usr/bin/tierlb, the unit, docs and maintainer scripts');
  const put = (path: string, text: string | Buffer, mode = 0o644): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    chmodSync(join(root, path), mode);
  };
  put(LAYOUT.command, commandScript(), 0o755);
  put(join(LAYOUT.prefix, 'package.json'), runtimePackageJson(meta.name, meta.version, meta.license));
  put(LAYOUT.unit, readFileSync(join(REPO, 'packaging/tierlb-agent@.service')));
  put(LAYOUT.example, readFileSync(join(REPO, 'examples/site.yaml')));
  put(LAYOUT.overrides, readFileSync(join(REPO, 'packaging/debian/lintian-overrides')));
  for (const doc of ['README.md', 'docs/packaging.md', 'docs/site-reference.md']) {
    put(join(LAYOUT.doc, `${doc.replace(/^docs\//, '')}.gz`), gzipSync(readFileSync(join(REPO, doc)), { level: 9 }));
  }
  const help = run(process.execPath, [join(root, LAYOUT.prefix, 'bin/tierlb.js'), '--help']);
  put('usr/share/man/man1/tierlb.1.gz', gzipSync(manPage(meta.version, changelogDate(epoch).slice(5, 16), help, SITE_FILE), { level: 9 }));
  put(join(LAYOUT.doc, 'copyright'), copyrightText(meta.name, meta.license, bundledLicenses(modules)));
  put(join(LAYOUT.doc, 'changelog.gz'), gzipSync(changelogText(meta.name, meta.version, maintainer(), epoch), { level: 9 }));
  for (const script of MAINTAINER_SCRIPTS) put(join('DEBIAN', script), readFileSync(join(REPO, 'packaging/debian', script)), 0o755);
}

function bundledLicenses(modules: readonly RuntimeModule[]): BundledLicense[] {
  return modules.map((module) => {
    const dir = join(REPO, module.path);
    const file = readdirSync(dir).filter((f) => isLicenseFile(f)).sort()[0];
    return { module, text: file ? readFileSync(join(dir, file), 'utf8') : undefined };
  });
}

/** DEBFULLNAME and DEBEMAIL, as Debian's own tools take them. */
function maintainer(): string {
  const { DEBFULLNAME: name, DEBEMAIL: email } = process.env;
  return name && email ? `${name} <${email}>` : DEFAULT_MAINTAINER;
}

function shlibDepends(work: string, addon: string): string[] {
  // dpkg-shlibdeps wants a debian/control to exist; the addon's Node-API symbols come from node itself, hence -v is left off.
  mkdirSync(join(work, 'debian'), { recursive: true });
  writeFileSync(join(work, 'debian/control'), '');
  const line = run('dpkg-shlibdeps', ['-O', '-e', addon], { cwd: work }).trim();
  const m = /^shlibs:Depends=(.+)$/m.exec(line);
  if (!m?.[1]) throw new PackageError(`dpkg-shlibdeps: expected shlibs:Depends=..., got ${JSON.stringify(line)}`);
  return m[1].split(/,\s*/);
}

/**
 * Modes Debian expects and one date for every file: 0755 for folders and
 * for programs (a script with #!, an ELF file that was executable), 0644 for
 * the rest, whatever mode an npm module gave its files.
 */
function normalise(dir: string, epoch: number): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = lstatSync(path);
    if (s.isSymbolicLink()) continue;
    if (s.isDirectory()) {
      chmodSync(path, 0o755);
      normalise(path, epoch);
    } else {
      const magic = firstBytes(path);
      chmodSync(path, magic.startsWith('#!') || (magic === '\x7fELF' && (s.mode & 0o111) !== 0) ? 0o755 : 0o644);
    }
    utimesSync(path, epoch, epoch);
  }
}

function firstBytes(path: string): string {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(4);
  const n = readSync(fd, buf, 0, 4, 0);
  closeSync(fd);
  return buf.subarray(0, n).toString('latin1');
}

/** Folders whose every file the filter left out. */
function removeEmptyFolders(dir: string): boolean {
  const empty = readdirSync(dir).map((name) => {
    const path = join(dir, name);
    return lstatSync(path).isDirectory() ? removeEmptyFolders(path) : false;
  }).every(Boolean);
  if (empty) rmdirSync(dir);
  return empty;
}

function writeControl(root: string, meta: Meta, arch: string, shlibs: readonly string[]): void {
  const kib = Number(run('du', ['-sk', '--exclude=DEBIAN', root]).split('\t')[0]);
  writeFileSync(join(root, 'DEBIAN/control'), controlText({ ...meta, architecture: arch, maintainer: maintainer(), shlibDepends: shlibs, installedSizeKib: kib }));
  const files = run('find', ['.', '-path', './DEBIAN', '-prune', '-o', '-type', 'f', '-printf', '%P\\n'], { cwd: root }).trim().split('\n').sort();
  writeFileSync(join(root, 'DEBIAN/md5sums'), run('md5sum', ['--', ...files], { cwd: root }));
}

function run(cmd: string, args: readonly string[], opts: { inherit?: boolean; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(cmd, [...args], {
      cwd: opts.cwd ?? REPO, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, ...opts.env }, stdio: opts.inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    }) ?? '';
  } catch (err) {
    const e = err as { status?: number; stderr?: string };
    throw new PackageError(`${cmd} ${args.join(' ')} exited ${e.status ?? '?'}${e.stderr ? `: ${e.stderr.trim().split('\n').slice(-5).join('\n')}` : ''}`);
  }
}

try {
  main();
} catch (err) {
  if (!(err instanceof PackageError) && !(err instanceof Error && 'code' in err)) throw err;
  console.error(`tierlb package: ${(err as Error).message}`);
  process.exit(1);
}
