import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderedFile } from '../../tiers/common/files.js';
import { nodeInstallFs, type InstallFs } from './fs.js';
import { installFiles, type Checker } from './install.js';

const file = (name: string, content: string): RenderedFile => ({ name, daemon: 'haproxy', content });
const accept: Checker = async () => ({ ok: true, output: '' });
const reject: Checker = async () => ({ ok: false, output: '[ALERT] parsing error' });
const fresh = (): string => mkdtempSync(join(tmpdir(), 'tierlb-install-'));

describe('installFiles', () => {
  it('installs a set the checker accepts', async () => {
    const dir = fresh();
    const r = await installFiles(dir, [file('haproxy.cfg', 'global\n'), file('sub/x.conf', 'x\n')], accept);
    expect(r).toEqual({ kind: 'installed', changed: ['haproxy.cfg', 'sub/x.conf'] });
    expect(readFileSync(join(dir, 'sub/x.conf'), 'utf8')).toBe('x\n');
  });

  it('leaves the running file in place when the checker rejects the new one', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'haproxy.cfg'), 'running\n');
    const r = await installFiles(dir, [file('haproxy.cfg', 'broken\n')], reject);
    expect(r).toEqual({ kind: 'rejected', output: '[ALERT] parsing error' });
    expect(readFileSync(join(dir, 'haproxy.cfg'), 'utf8')).toBe('running\n');
  });

  it('runs the checker on a staged tree holding every file of the set', async () => {
    const dir = fresh();
    let seen: string[] = [];
    await installFiles(dir, [file('a', '1'), file('b', '2')], async (staged) => {
      seen = readdirSync(staged).sort();
      return { ok: true, output: '' };
    });
    expect(seen).toEqual(['a', 'b']);
  });

  it('does nothing, not even a check, when every file is unchanged', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'haproxy.cfg'), 'same\n');
    let checked = false;
    const r = await installFiles(dir, [file('haproxy.cfg', 'same\n')], async () => { checked = true; return { ok: true, output: '' }; });
    expect(r).toEqual({ kind: 'unchanged' });
    expect(checked).toBe(false);
  });

  it('leaves no staging folder behind after a rejection', async () => {
    const dir = fresh();
    await installFiles(dir, [file('haproxy.cfg', 'x')], reject);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports an effect failure as a value instead of throwing', async () => {
    const blocker = join(fresh(), 'a-file');
    writeFileSync(blocker, 'not a folder');
    const r = await installFiles(join(blocker, 'conf'), [file('a', '1')], accept);
    expect(r.kind).toBe('failed');
  });
});

const gdnsd = (name: string, content: string): RenderedFile => ({ name, daemon: 'gdnsd', content });

/** The real file operations, recording each call, with the renames numbered in `failRenames` failing. */
function faultyFs(failRenames: readonly number[] = []) {
  const calls: string[] = [];
  let renames = 0;
  const fs: InstallFs = {
    ...nodeInstallFs,
    async writeSynced(path, content, mode) { calls.push(`write ${basename(path)}`); await nodeInstallFs.writeSynced(path, content, mode); },
    async rename(from, to) {
      renames += 1;
      calls.push(`rename ${basename(to)}`);
      if (failRenames.includes(renames)) throw Object.assign(new Error(`EIO: injected failure of rename ${renames}`), { code: 'EIO' });
      await nodeInstallFs.rename(from, to);
    },
    async syncDir(path) { calls.push(`sync ${basename(path)}/`); await nodeInstallFs.syncDir(path); },
  };
  return { fs, calls };
}

/** A DNS node's running set: gdnsd/config and two zones. */
function runningZones(): string {
  const dir = fresh();
  mkdirSync(join(dir, 'gdnsd/zones'), { recursive: true });
  for (const name of ['gdnsd/config', 'gdnsd/zones/a.example', 'gdnsd/zones/b.example']) writeFileSync(join(dir, name), `old ${name}\n`);
  return dir;
}
const contents = (dir: string, names: readonly string[]): (string | undefined)[] =>
  names.map((n) => (existsSync(join(dir, n)) ? readFileSync(join(dir, n), 'utf8') : undefined));

describe('installFiles, safely', () => {
  it('writes config files with mode 0640, whatever the umask', async () => {
    const dir = fresh();
    const umask = process.umask(0o002);
    try {
      await installFiles(dir, [file('haproxy.cfg', 'global\n'), file('sub/x.conf', 'x\n')], accept);
    } finally {
      process.umask(umask);
    }
    expect([statSync(join(dir, 'haproxy.cfg')).mode & 0o777, statSync(join(dir, 'sub/x.conf')).mode & 0o777]).toEqual([0o640, 0o640]);
  });

  it('writes and fsyncs every file before renaming, and fsyncs the folders after the last rename', async () => {
    const dir = fresh();
    const { fs, calls } = faultyFs();
    await installFiles(dir, [gdnsd('gdnsd/config', 'c\n'), gdnsd('gdnsd/zones/a.example', 'a\n')], accept, fs);
    expect(calls).toEqual(['write config', 'write a.example', 'rename config', 'rename a.example', `sync ${basename(dir)}/`, 'sync gdnsd/', 'sync zones/']);
  });

  it('fsyncs the parents of a config folder it creates', async () => {
    const parent = fresh();
    const { fs, calls } = faultyFs();
    await installFiles(join(parent, 'new/conf'), [file('haproxy.cfg', 'global\n')], accept, fs);
    expect(calls.slice(0, 2)).toEqual(['sync new/', `sync ${basename(parent)}/`]);
  });

  it('puts back the files already renamed when a later rename of the set fails', async () => {
    const dir = runningZones();
    const names = ['gdnsd/config', 'gdnsd/zones/a.example', 'gdnsd/zones/b.example'];
    const r = await installFiles(dir, names.map((n) => gdnsd(n, `new ${n}\n`)), accept, faultyFs([2]).fs);
    expect(r.kind === 'failed' && r.error).toMatchObject({ code: 'TIERLB_INSTALL_ROLLED_BACK', message: expect.stringMatching(/injected failure of rename 2; the previous files are back in place/) });
    expect(contents(dir, names)).toEqual(names.map((n) => `old ${n}\n`));
  });

  it('removes a file new to the set when a later rename of the set fails', async () => {
    const dir = runningZones();
    const set = [gdnsd('gdnsd/zones/c.example', 'new zone\n'), gdnsd('gdnsd/config', 'new config\n')];
    await installFiles(dir, set, accept, faultyFs([2]).fs);
    expect(contents(dir, ['gdnsd/zones/c.example', 'gdnsd/config'])).toEqual([undefined, 'old gdnsd/config\n']);
  });

  it('says the set is mixed when a rename back fails too', async () => {
    const dir = runningZones();
    // Renames 1-2 install, 3 fails; the rollback's first rename (4, of zones/a) fails as well.
    const names = ['gdnsd/config', 'gdnsd/zones/a.example', 'gdnsd/zones/b.example'];
    const r = await installFiles(dir, names.map((n) => gdnsd(n, `new ${n}\n`)), accept, faultyFs([3, 4]).fs);
    expect(r.kind === 'failed' && r.error).toMatchObject({ code: 'TIERLB_INSTALL_MIXED', message: expect.stringMatching(/could not restore gdnsd\/zones\/a\.example: the folder holds a mixed set/) });
  });

  it('leaves no staging folder behind after a failed rename', async () => {
    const dir = runningZones();
    await installFiles(dir, [gdnsd('gdnsd/config', 'c\n'), gdnsd('gdnsd/zones/a.example', 'a\n')], accept, faultyFs([2]).fs);
    expect(readdirSync(dir)).toEqual(['gdnsd']);
  });
});
