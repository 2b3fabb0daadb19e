import { describe, expect, it } from 'vitest';
import { parseDisableFile } from './disable.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const text = (t: string) => ({ kind: 'text', text: t }) as const;
const parse = (t: string) => parseDisableFile(text(t), NOW);

describe('parseDisableFile', () => {
  it('is enabled when the file is absent', () => {
    expect(parseDisableFile({ kind: 'absent' }, NOW)).toEqual({ state: 'enabled' });
  });

  it('is disabled by an empty file, as `touch` makes', () => {
    expect(parse('')).toEqual({ state: 'disabled', warnings: [] });
  });

  it('is disabled, with a warning, when the file exists but cannot be read', () => {
    expect(parseDisableFile({ kind: 'unreadable', problem: 'EACCES' }, NOW)).toMatchObject({ state: 'disabled', warnings: [expect.stringContaining('EACCES')] });
  });

  it('takes the first line as the reason, trimmed', () => {
    expect(parse('  kernel upgrade, OPS-1234  \nmore text')).toEqual({ state: 'disabled', reason: 'kernel upgrade, OPS-1234', warnings: [] });
  });

  it('strips control characters from the reason', () => {
    expect(parse('kernel\u001b[2J upgrade\u0007')).toMatchObject({ reason: 'kernel [2J upgrade' });
  });

  it('caps the reason at 200 characters', () => {
    const s = parse('r'.repeat(1000));
    expect(s.state === 'disabled' && s.reason).toHaveLength(200);
  });

  it('stays disabled until a future expiry and reports it', () => {
    expect(parse('upgrade\nexpires: 2026-06-01T18:00:00Z')).toEqual({
      state: 'disabled', reason: 'upgrade', expires: new Date('2026-06-01T18:00:00Z'), warnings: [],
    });
  });

  it('accepts `until:` and a numeric offset', () => {
    expect(parse('until: 2026-06-01T14:00+02:00')).toMatchObject({ state: 'expired', expiredAt: new Date('2026-06-01T12:00:00Z') });
  });

  it('ignores a disable file whose expiry has passed, and says so', () => {
    expect(parse('upgrade\nexpires: 2026-05-31T00:00:00Z')).toEqual({
      state: 'expired', reason: 'upgrade', expiredAt: new Date('2026-05-31T00:00:00Z'),
      status: 'expired disable file, ignored (expired 2026-05-31T00:00:00.000Z)',
    });
  });

  it('does not take the expiry line for the reason when it comes first', () => {
    expect(parse('expires: 2026-06-02T00:00:00Z\nupgrade')).toMatchObject({ state: 'disabled', reason: 'upgrade' });
  });

  it.each(['tomorrow', '2026-06-01', '2026-06-01T10:00:00', '2026-13-45T99:99:99Z', ''])(
    'stays disabled with a warning when the expiry %j is not understood',
    (expiry) => {
      expect(parse(`expires: ${expiry}`)).toMatchObject({ state: 'disabled', warnings: [expect.stringContaining('not understood')] });
    },
  );

  it.each(['2020-02-30T00:00:00Z', '2026-02-29T12:00:00Z', '2026-04-31T00:00:00Z', '2026-06-01T24:00:00Z', '2026-06-01T12:60:00Z', '2026-06-01T12:00:00+24:00'])(
    'stays disabled with a warning when the expiry %j is on no calendar, instead of rolling it over to a real day',
    (expiry) => {
      expect(parse(`upgrade\nexpires: ${expiry}`)).toEqual({
        state: 'disabled', reason: 'upgrade', warnings: [expect.stringMatching(/^expiry ".*" not understood \(no such (day on the calendar|time of day)\); staying disabled$/)],
      });
    },
  );

  it('takes a real 29 February as the instant it names', () => {
    expect(parse('expires: 2028-02-29T12:00:00Z')).toMatchObject({ state: 'disabled', expires: new Date('2028-02-29T12:00:00Z') });
  });

  it('reads a file that starts with a UTF-8 byte-order mark as if it had none', () => {
    expect(parse('\uFEFFkernel upgrade\nexpires: 2026-05-31T00:00:00Z')).toEqual({
      state: 'expired', reason: 'kernel upgrade', expiredAt: new Date('2026-05-31T00:00:00Z'),
      status: 'expired disable file, ignored (expired 2026-05-31T00:00:00.000Z)',
    });
  });

  it('uses the first expiry line and warns about the others', () => {
    expect(parse('expires: 2026-07-01T00:00:00Z\nuntil: 2020-01-01T00:00:00Z')).toMatchObject({
      state: 'disabled', warnings: ['1 further expiry line(s) ignored; the first counts'],
    });
  });

  it('gives the same answer for the same file at the same instant', () => {
    expect(parse('x\nexpires: 2026-06-01T12:00:00Z')).toEqual(parse('x\nexpires: 2026-06-01T12:00:00Z'));
  });

  it('counts an expiry exactly at now as passed', () => {
    expect(parse('expires: 2026-06-01T12:00:00Z').state).toBe('expired');
  });
});
