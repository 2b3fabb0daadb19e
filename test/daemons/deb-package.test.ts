// `npm run package` end to end: the .deb it builds, read back with
// dpkg-deb, its unit checked by systemd-analyze, and the whole package by
// lintian, which must find no error and no warning (packaging/debian/
// lintian-overrides says why each overridden tag does not apply).
import { execa } from 'execa';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPENDS } from '../../scripts/deb/control.js';
import { ADDON_PATH, BPF_DIR, LAYOUT } from '../../scripts/deb/layout.js';
import { REPO } from '../helpers/site.js';

const BUILD_MS = 10 * 60 * 1000;
let out = '';
let deb = '';
const sh = (cmd: string, args: readonly string[]): string => execFileSync(cmd, [...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

// Long runs are awaited, not spawned synchronously: a worker blocked for a minute misses vitest's own calls.
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'tierlb-deb-'));
  const r = await execa(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/package.ts'), '--out', out], { cwd: REPO, reject: false, all: true, timeout: BUILD_MS });
  if (r.exitCode !== 0) throw new Error(`npm run package failed (${r.exitCode ?? r.signal}):\n${r.all}`);
  const debs = readdirSync(out).filter((f) => f.endsWith('.deb'));
  if (debs.length !== 1 || !debs[0]) throw new Error(`expected one .deb in ${out}, got ${debs.join(', ')}`);
  deb = join(out, debs[0]);
}, BUILD_MS);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

const field = (name: string): string => sh('dpkg-deb', ['--field', deb, name]).trim();
const contents = (): string[] => sh('dpkg-deb', ['--contents', deb]).split('\n').filter(Boolean).map((l) => (l.split(/\s+/).slice(5).join(' ')));

describe('the Debian package npm run package builds', () => {
  it('is named after package.json\'s name, version and this machine\'s architecture', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };
    const arch = sh('dpkg', ['--print-architecture']).trim();
    expect([field('Package'), field('Version'), field('Architecture')]).toEqual([pkg.name, pkg.version, arch]);
    expect(deb.endsWith(`${pkg.name}_${pkg.version}_${arch}.deb`)).toBe(true);
  });

  it('depends on Node.js 20, the daemons of every role and the addon\'s libraries', () => {
    const depends = field('Depends').split(', ');
    expect(depends).toEqual(expect.arrayContaining([...DEPENDS]));
    expect(depends.some((d) => d.startsWith('libc6 (>= '))).toBe(true);
  });

  it('installs the agent and CLI under /usr/lib/tierlb with the addon, the BPF objects and the production modules', () => {
    const paths = contents();
    for (const p of [
      LAYOUT.command, `${LAYOUT.prefix}/bin/tierlb.js`, `${LAYOUT.prefix}/package.json`, `${LAYOUT.prefix}/dist/cli/main.js`,
      `${LAYOUT.prefix}/dist/tiers/common/templates.generated.js`, `${LAYOUT.prefix}/${ADDON_PATH}`,
      `${LAYOUT.prefix}/${BPF_DIR}/mss-clamp.o`, `${LAYOUT.prefix}/${BPF_DIR}/flow-entropy.o`,
      `${LAYOUT.prefix}/node_modules/pino/pino.js`, `${LAYOUT.prefix}/node_modules/@grpc/grpc-js/package.json`,
      LAYOUT.unit, LAYOUT.example, LAYOUT.overrides, `${LAYOUT.doc}/copyright`, `${LAYOUT.doc}/changelog.gz`, `${LAYOUT.doc}/packaging.md.gz`,
      'usr/share/man/man1/tierlb.1.gz',
    ]) expect(paths, p).toContain(`./${p}`);
  });

  it('leaves out the lab, dev modules, build-only headers and source maps', () => {
    const paths = contents();
    expect(paths.filter((p) => /\/dist\/lab\/|node_modules\/(vitest|typescript|node-addon-api)\/|\.map$/.test(p))).toEqual([]);
  });

  it('ships nothing under /etc and no conffile, so a site file written there is never touched', () => {
    expect(contents().filter((p) => p.startsWith('./etc/'))).toEqual([]);
    expect(spawnSync('dpkg-deb', ['--info', deb, 'conffiles']).status).not.toBe(0);
  });

  it('ships the unit as packaging/ has it, and systemd-analyze verify finds nothing wrong with it', () => {
    const root = join(out, 'root');
    sh('dpkg-deb', ['--extract', deb, root]);
    const unit = readFileSync(join(root, LAYOUT.unit), 'utf8');
    expect(unit).toBe(readFileSync(join(REPO, 'packaging/tierlb-agent@.service'), 'utf8'));
    // An instance of it, run from the extracted tree: verify checks that ExecStart's program exists.
    const dir = join(out, 'units');
    mkdirSync(dir);
    writeFileSync(join(dir, 'tierlb-agent@l4-1.service'), unit.replace('ExecStart=/usr/bin/tierlb ', `ExecStart=${root}/usr/bin/tierlb `));
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'tierlb-agent@l4-1.service')], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  });

  it('has maintainer scripts that create /etc/lb and mask the daemons\' own units on a first install', () => {
    const postinst = sh('dpkg-deb', ['--info', deb, 'postinst']);
    expect(postinst).toContain('mkdir -p /etc/lb /etc/tierlb /var/lib/tierlb');
    expect(postinst).toMatch(/TIERLB_OWNS="haproxy\.service bird\.service gobgpd\.service gdnsd\.service"/);
    expect(sh('dpkg-deb', ['--info', deb, 'postrm'])).toContain('deb-systemd-helper unmask');
  });

  it('passes lintian without an error or a warning', async () => {
    const r = await execa('lintian', ['--tag-display-limit', '0', deb], { reject: false, timeout: 5 * 60 * 1000 });
    const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
    expect(tags).toEqual([]);
    expect(r.exitCode, r.stderr).toBe(0);
  }, 5 * 60 * 1000);
});
