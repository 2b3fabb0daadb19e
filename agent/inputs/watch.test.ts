import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFiles, type FileWatch } from './watch.js';

async function nextChange(seen: string[], count: number, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (seen.length < count) {
    if (Date.now() > end) throw new Error(`expected ${count} change(s), saw ${seen.length}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('watchFiles', () => {
  let w: FileWatch | undefined;
  afterEach(async () => { await w?.close(); });

  it('reports the creation of a file that did not exist (touch)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tierlb-watch-')), 'lb');
    const seen: string[] = [];
    w = await watchFiles([join(dir, 'disable')], (p) => seen.push(p));
    writeFileSync(join(dir, 'disable'), '');
    await nextChange(seen, 1);
    expect(seen[0]).toBe(join(dir, 'disable'));
  });

  it('reports removal and replacement by rename, and ignores other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-watch-'));
    const target = join(dir, 'agent-check');
    writeFileSync(target, 'up\n');
    const seen: string[] = [];
    w = await watchFiles([target], (p) => seen.push(p));
    writeFileSync(join(dir, 'unrelated'), 'x');
    rmSync(target);
    await nextChange(seen, 1);
    writeFileSync(join(dir, '.tmp'), 'drain\n');
    renameSync(join(dir, '.tmp'), target);
    await nextChange(seen, 2);
    expect(new Set(seen)).toEqual(new Set([target]));
  });

  it('says once more when the file has settled, after a burst of writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-watch-'));
    const target = join(dir, 'site.yaml');
    writeFileSync(target, 'a: 1\n');
    const seen: string[] = [];
    w = await watchFiles([target], (_p, kind) => seen.push(kind), 100);
    writeFileSync(target, '');
    writeFileSync(target, 'a: 2\n');
    await nextChange(seen, 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.filter((k) => k === 'settled')).toEqual(['settled']);
    expect(seen[0]).toBe('event');
    expect(seen.at(-1)).toBe('settled');
  });
});

