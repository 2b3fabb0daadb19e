import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gdnsdSpec, pruneZones, writeStateFile } from './dns-gdnsd.js';

const temp = (): string => mkdtempSync(join(tmpdir(), 'tierlb-dns-unit-'));

describe('writeStateFile', () => {
  it('writes the state and leaves no temporary file beside it', async () => {
    const dir = temp();
    const path = join(dir, 'vips.state');
    expect(await writeStateFile(path, '192.0.2.1 => UP\n')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('192.0.2.1 => UP\n');
    expect(readdirSync(dir)).toEqual(['vips.state']);
  });

  it('touches nothing when the file already holds the state', async () => {
    const path = join(temp(), 'vips.state');
    await writeStateFile(path, '192.0.2.1 => DOWN\n');
    expect(await writeStateFile(path, '192.0.2.1 => DOWN\n')).toBe(false);
  });
});

describe('pruneZones', () => {
  it('removes the zone files the site no longer has, and only those', async () => {
    const dir = temp();
    mkdirSync(join(dir, 'gdnsd', 'zones'), { recursive: true });
    for (const z of ['example.org', 'old.example']) writeFileSync(join(dir, 'gdnsd', 'zones', z), '');
    expect(await pruneZones(dir, new Set(['gdnsd/config', 'gdnsd/zones/example.org']))).toEqual(['gdnsd/zones/old.example']);
    expect(readdirSync(join(dir, 'gdnsd', 'zones'))).toEqual(['example.org']);
  });

  it('finds nothing to remove before the first install', async () => {
    expect(await pruneZones(temp(), new Set())).toEqual([]);
  });
});

describe('gdnsdSpec', () => {
  it('runs gdnsd in the foreground, taking over a running one, and lets it outlive the agent', () => {
    const spec = gdnsdSpec({ configDir: '/c/gdnsd', runDir: '/r/gdnsd', stateDir: '/s/gdnsd', stateFile: '/s/gdnsd/vips.state' });
    expect(spec).toMatchObject({ name: 'gdnsd', command: 'gdnsd', args: ['-c', '/c/gdnsd', '-R', 'start'], outlivesAgent: true });
  });
});
