import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RenderedFile } from '../../tiers/common/files.js';
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
