import { describe, expect, it } from 'vitest';
import { whoOf } from './who.js';

describe('whoOf', () => {
  it('takes --who as it is', () => {
    expect(whoOf({ option: 'change CHG-1234', login: 'root', host: 'lb-admin' })).toEqual({ ok: true, value: 'change CHG-1234' });
  });

  it('names the person behind sudo rather than root', () => {
    expect(whoOf({ sudoUser: 'alice', login: 'root', host: 'lb-admin' })).toEqual({ ok: true, value: 'alice@lb-admin' });
  });

  it('falls back to the login name at this host', () => {
    expect(whoOf({ sudoUser: '', login: 'bob', host: 'lb-admin' })).toEqual({ ok: true, value: 'bob@lb-admin' });
  });

  it('refuses a --who that is not printable ASCII', () => {
    expect(whoOf({ option: 'al\nice', host: 'h' })).toEqual({ ok: false, reason: '--who: expected printable ASCII text of 1 to 64 characters, got "al\\nice"' });
  });

  it('refuses a --who longer than 64 characters', () => {
    expect(whoOf({ option: 'a'.repeat(65), host: 'h' }).ok).toBe(false);
  });

  it('cuts a long host name to 64 characters in all', () => {
    const r = whoOf({ login: 'carol', host: 'h'.repeat(100) });
    expect(r.ok && r.value).toBe(`carol@${'h'.repeat(58)}`);
  });
});
