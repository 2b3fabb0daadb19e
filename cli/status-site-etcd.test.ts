import { describe, expect, it } from 'vitest';
import { readPublished, STALE_MS } from './status-site-etcd.js';

const NOW = Date.parse('2026-12-03T06:00:00Z');
const published = (atMs: number, report: unknown = { node: 'l4-1', services: [] }): string => JSON.stringify({ publishedAt: new Date(atMs).toISOString(), report });

describe('an agent\'s report as published in etcd', () => {
  it('is read while fresh', () => {
    expect(readPublished(published(NOW - 1000), NOW)).toEqual({ ok: true, report: { node: 'l4-1', services: [] } });
  });

  it('reads as unreachable, with its age, once older than three heartbeats', () => {
    const r = readPublished(published(NOW - STALE_MS - 1000), NOW);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).toMatch(/last report in etcd is 46 s old .*stopped or cannot reach etcd/);
  });

  it('says what is wrong with a value no agent wrote, never throws', () => {
    for (const [value, why] of [[undefined, /no report in etcd/], ['{', /not JSON/], ['{"publishedAt":"x","report":{}}', /not one an agent writes/], [published(NOW, null), /not one an agent writes/]] as const) {
      const r = readPublished(value, NOW);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.why).toMatch(why);
    }
  });
});
