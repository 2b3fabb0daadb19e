import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../observe/metrics.js';
import { filesOf, installDaemonFiles } from './daemon-files.js';

const deps = (ok: boolean) => {
  const metrics = createMetrics(new Registry());
  return { log: pino({ level: 'silent' }), metrics, checker: async () => ({ ok, output: ok ? '' : 'line 3: syntax error' }) };
};

describe('installDaemonFiles', () => {
  it('installs a set the checker accepts, and then reports it unchanged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tierlb-df-'));
    const files = [{ name: 'bird.conf', daemon: 'bird' as const, content: 'router id 10.0.0.1;\n' }];
    expect(await installDaemonFiles(deps(true), dir, 'bird', files)).toEqual({ kind: 'installed', changed: ['bird.conf'] });
    expect(await readFile(join(dir, 'bird.conf'), 'utf8')).toBe('router id 10.0.0.1;\n');
    expect(await installDaemonFiles(deps(true), dir, 'bird', files)).toEqual({ kind: 'unchanged' });
  });

  it('keeps the running file when the checker refuses, and counts the refusal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tierlb-df-'));
    await writeFile(join(dir, 'bird.conf'), 'old\n');
    const d = deps(false);
    const r = await installDaemonFiles(d, dir, 'bird', [{ name: 'bird.conf', daemon: 'bird', content: 'new\n' }]);
    expect(r).toEqual({ kind: 'rejected', output: 'line 3: syntax error' });
    expect(await readFile(join(dir, 'bird.conf'), 'utf8')).toBe('old\n');
    expect((await d.metrics.configRejected.get()).values).toEqual([{ labels: { stage: 'checker' }, value: 1 }]);
  });

  it('refuses files of another daemon before touching anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tierlb-df-'));
    const r = await installDaemonFiles(deps(true), dir, 'bird', [{ name: 'haproxy.cfg', daemon: 'haproxy', content: 'x' }]);
    expect(r.kind).toBe('failed');
    expect(filesOf([{ name: 'a', daemon: 'gdnsd', content: '' }, { name: 'b', daemon: 'bird', content: '' }], 'bird').map((f) => f.name)).toEqual(['b']);
  });
});
