// The .deb installed with dpkg, not on this host but in a user-mode-linux
// guest whose root is the host's, made writable where dpkg writes: /usr,
// /etc, /var/lib, /var/log and /var/cache are overlays with a tmpfs upper
// layer, /run a tmpfs, so nothing reaches the host. Then the installed
// command runs from /usr/lib/tierlb, where no checkout's node_modules can
// stand in for a module the package lacks; then the package is purged.
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeUmlShare, runInUml, type UmlRun } from '../../lab/uml/run.js';
import { REPO } from '../helpers/site.js';
import { overlayMounts } from '../helpers/uml-overlays.js';

const BUILD_MS = 10 * 60 * 1000;
const GUEST_MS = 10 * 60 * 1000;
const EXAMPLE = '/usr/share/doc/tierlb/examples/site.yaml';
const OWNED_UNITS = ['haproxy.service', 'bird.service', 'gobgpd.service', 'gdnsd.service'];

const guest = (deb: string): string => `
${overlayMounts(['/usr', '/etc', '/var/lib', '/var/log', '/var/cache'], '/tmp/pkg-layers')}
mount -t tmpfs pkgrun /run
# Whatever an earlier test installed stays out of the way.
dpkg --purge tierlb > /dev/null 2>&1 || true
status=0
dpkg -i '${deb}' > "$SHARE/dpkg.out" 2>&1 || status=$?
echo $status > "$SHARE/dpkg.status"
if [ "$status" != 0 ]; then apt-get -f install --no-download -y >> "$SHARE/dpkg.out" 2>&1 || true; fi
dpkg-query -W -f='\${Status}' tierlb > "$SHARE/query" 2>&1 || true
cd /
/usr/bin/tierlb --help > "$SHARE/help.out" 2>&1; echo $? > "$SHARE/help.status"
tierlb validate ${EXAMPLE} > "$SHARE/validate.out" 2>&1; echo $? > "$SHARE/validate.status"
cp ${EXAMPLE} /etc/tierlb/site.yaml
tierlb validate > "$SHARE/default.out" 2>&1; echo $? > "$SHARE/default.status"
/usr/bin/node --input-type=module -e "const m = await import('/usr/lib/tierlb/dist/agent/drivers/ipvs/netlink-addon.js'); console.log(JSON.stringify([m.netlinkAvailable().ok, 'send' in m.sdNotifySender()]))" > "$SHARE/addon.out" 2>&1
stat -c '%F %a' /etc/lb /etc/tierlb /var/lib/tierlb > "$SHARE/folders" 2>&1
for u in ${OWNED_UNITS.join(' ')}; do echo "$u $(readlink /etc/systemd/system/$u || echo none)"; done > "$SHARE/masked"
dpkg --purge tierlb > "$SHARE/purge.out" 2>&1; echo $? > "$SHARE/purge.status"
for u in ${OWNED_UNITS.join(' ')}; do echo "$u $(readlink /etc/systemd/system/$u || echo none)"; done > "$SHARE/unmasked"
ls /etc/tierlb > "$SHARE/after-purge" 2>&1 || true
if [ -e /var/lib/tierlb ]; then echo state-kept; else echo state-removed; fi >> "$SHARE/after-purge"
`;

let run: UmlRun | undefined;
const read = async (name: string): Promise<string> => (run ? (await readFile(join(run.shareDir, name), 'utf8')).trim() : '');

beforeAll(async () => {
  // The share is under /var/tmp (the guest's /tmp is a fresh tmpfs) and holds the .deb.
  await mkdir('/var/tmp/tierlb', { recursive: true });
  const share = await mkdtemp('/var/tmp/tierlb/deb-');
  const built = await execa(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/package.ts'), '--out', share], { cwd: REPO, reject: false, all: true, timeout: BUILD_MS });
  if (built.exitCode !== 0) throw new Error(`npm run package failed:\n${built.all}`);
  const deb = (await readdir(share)).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`no .deb in ${share}`);
  run = await runInUml(guest(join(share, deb)), { modules: ['overlay'], memMb: 1024, timeoutMs: GUEST_MS, shareDir: share });
  if (run.exitCode === null) throw new Error(`the guest did not finish:\n${run.output}\n${run.console.slice(-3000)}`);
}, BUILD_MS + GUEST_MS);

afterAll(async () => {
  if (run) await removeUmlShare(run);
});

describe('the .deb installed with dpkg -i into a throwaway root', () => {
  it('installs with every dependency already satisfied', async () => {
    expect(await read('dpkg.status'), await read('dpkg.out')).toBe('0');
    expect(await read('query')).toBe('install ok installed');
  });

  it('gives a working tierlb --help', async () => {
    expect(await read('help.status'), await read('help.out')).toBe('0');
    expect(await read('help.out')).toMatch(/^Usage: tierlb \[options\] \[command\]/);
  });

  it('validates the example site it ships, and /etc/tierlb/site.yaml when given no file', async () => {
    expect(await read('validate.status'), await read('validate.out')).toBe('0');
    expect(await read('validate.out')).toMatch(/examples\/site\.yaml: valid site "example"/);
    expect(await read('default.status'), await read('default.out')).toBe('0');
    expect(await read('default.out')).toMatch(/^\/etc\/tierlb\/site\.yaml: valid site "example"/);
  });

  it('loads the native addon it ships, notify sender included', async () => {
    expect(await read('addon.out')).toBe('[true,true]');
  });

  it('creates /etc/lb, /etc/tierlb and /var/lib/tierlb', async () => {
    expect((await read('folders')).split('\n')).toEqual(['directory 755', 'directory 755', 'directory 755']);
  });

  it('masks the units of the daemons the agent runs itself, and a purge unmasks them', async () => {
    expect((await read('masked')).split('\n')).toEqual(OWNED_UNITS.map((u) => `${u} /dev/null`));
    expect(await read('purge.status'), await read('purge.out')).toBe('0');
    expect((await read('unmasked')).split('\n')).toEqual(OWNED_UNITS.map((u) => `${u} none`));
  });

  it('leaves the operator\'s site file after a purge and removes the agent\'s state', async () => {
    expect((await read('after-purge')).split('\n')).toEqual(['site.yaml', 'state-removed']);
  });
});
