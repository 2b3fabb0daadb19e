import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeRecord, encodeEvent, encodeRecord, expiresAfter, pooledAt, type PoolRecord } from './record.js';

const r: PoolRecord = { pooled: 'no', reason: 'disk', who: 'alice@lb1', when: '2026-12-03T06:00:00.000Z', expires: '2026-12-03T06:00:20.000Z' };

describe('pool records', () => {
  it('round-trips through the bytes etcd holds, the same record the same bytes', () => {
    expect(decodeRecord(encodeRecord(r))).toEqual({ ok: true, value: r });
    expect(encodeRecord({ ...r })).toBe(encodeRecord(r));
    const e = { ...r, name: 'srv-1', from: 'yes' as const };
    expect(decodeEvent(encodeEvent(e))).toEqual({ ok: true, value: e });
  });

  it('reads what it cannot trust as a problem, never a throw', () => {
    for (const [value, problem] of [
      ['not json', /not JSON/], ['{"pooled":"maybe","reason":"","who":"","when":"2026-12-03T06:00:00Z"}', /pooled/],
      ['{"pooled":"no","reason":"x","who":"y","when":"yesterday"}', /ISO/], ['[]', /./], ['x'.repeat(5000), /bytes/],
      ['{"pooled":"no","reason":"x","who":"y","when":"2026-12-03T06:00:00Z","weight":500}', /weight/],
    ] as const) {
      const d = decodeRecord(value);
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.problem).toMatch(problem);
    }
  });

  it('strips what could reach a log or a reply: control characters, newlines, length', () => {
    const d = decodeRecord(JSON.stringify({ ...r, reason: `a\nb\u0000c${'x'.repeat(300)}` }));
    expect(d.ok && d.value.reason.startsWith('a b c')).toBe(true);
    expect(d.ok && d.value.reason.length).toBeLessThanOrEqual(120);
  });

  it('counts an expired record as pooled, and says when one will expire', () => {
    const at = Date.parse(r.when);
    expect(pooledAt(r, at + 19_999)).toBe('no');
    expect(pooledAt(r, at + 20_000)).toBe('yes');
    expect(pooledAt(undefined, at)).toBe('yes');
    expect(expiresAfter(r, at)).toBe(at + 20_000);
    expect(expiresAfter(r, at + 20_000)).toBeUndefined();
  });
});
