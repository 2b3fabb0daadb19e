import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSavedFleet, parseSaved } from './fleet-saved.js';

describe('the fleet state saved on this host', () => {
  it('reads back what it saved', async () => {
    const saved = fileSavedFleet(join(mkdtempSync(join(tmpdir(), 'tierlb-fleet-')), 'fleet-state.json'));
    expect(await saved.load()).toBeUndefined();
    const records = new Map([['l4-1', { pooled: 'no' as const, reason: 'r', who: 'w', when: '2026-12-03T06:00:00.000Z' }]]);
    await saved.save({ revision: 9, records, problems: [] });
    expect(await saved.load()).toEqual({ revision: 9, records, problems: [] });
  });

  it('reads a damaged copy as none, and skips records it cannot decode', () => {
    expect(parseSaved('{"revision":')).toBeUndefined();
    expect(parseSaved('{"records":{}}')).toBeUndefined();
    const r = parseSaved(JSON.stringify({ revision: 2, records: { a: '{"pooled":"no"}', b: 5 } }));
    expect(r?.records.size).toBe(0);
  });

  it('survives a copy that is a directory or huge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-fleet-'));
    expect(await fileSavedFleet(dir).load()).toBeUndefined();
    writeFileSync(join(dir, 'big'), 'x'.repeat(5 * 1024 * 1024));
    expect(await fileSavedFleet(join(dir, 'big')).load()).toBeUndefined();
  });
});
