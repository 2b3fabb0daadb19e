import { describe, expect, it } from 'vitest';
import { parseAgentCheck } from './agent-state.js';

const stateOf = (text: string) => {
  const p = parseAgentCheck(text);
  return p.ok ? p.state : undefined;
};
const warningsOf = (text: string) => {
  const p = parseAgentCheck(text);
  return p.ok ? p.warnings : [];
};

describe('parseAgentCheck', () => {
  it.each([
    ['drain', { state: 'drain' }],
    ['DRAIN\n', { state: 'drain' }],
    ['  maint  ', { state: 'maint' }],
    ['ready', { state: 'ready' }],
    ['stopped', { state: 'stopped' }],
    ['fail', { state: 'fail' }],
    ['up', { state: 'up' }],
  ])('reads the state word in %j', (text, expected) => {
    expect(stateOf(text)).toEqual(expected);
  });

  it('reads a weight alone as up at that weight', () => {
    expect(stateOf('50%')).toEqual({ state: 'up', weight: 50 });
  });

  it('reads a state and a weight separated by a space', () => {
    expect(stateOf('up 50%')).toEqual({ state: 'up', weight: 50 });
  });

  it('reads words separated by commas and tabs, as HAProxy does', () => {
    expect(stateOf('drain,\t25%')).toEqual({ state: 'drain', weight: 25 });
  });

  it.each([['0%', 0], ['100%', 100]])('accepts the boundary weight %s', (text, weight) => {
    expect(stateOf(text)).toEqual({ state: 'up', weight });
  });

  it.each(['101%', '-5%', '1000%'])('refuses the out-of-range weight %s when it is the only word', (text) => {
    expect(parseAgentCheck(text).ok).toBe(false);
  });

  it('keeps the state but drops an out-of-range weight, with a warning', () => {
    expect(stateOf('drain 101%')).toEqual({ state: 'drain' });
    expect(warningsOf('drain 101%')).toEqual(['weight "101%" ignored: expected 0% to 100%']);
  });

  it('takes the text after # as the reason', () => {
    expect(stateOf('down # kernel upgrade by alice')).toEqual({ state: 'down', reason: 'kernel upgrade by alice' });
  });

  it('strips non-printable characters from the reason', () => {
    expect(stateOf('down # caf\u00e9 \u001b[31mred\u0007')?.reason).toBe('caf [31mred');
  });

  it('caps the reason at 120 characters', () => {
    expect(stateOf(`down # ${'x'.repeat(500)}`)?.reason).toHaveLength(120);
  });

  it('honours a state word followed by words without a #, warning about them', () => {
    expect(stateOf('down for kernel upgrade')).toEqual({ state: 'down' });
    expect(warningsOf('down for kernel upgrade')).toEqual(['ignored 3 unknown word(s): "for", "kernel", "upgrade"']);
  });

  it('lets the most restrictive of several state words win', () => {
    expect(stateOf('up down')).toEqual({ state: 'down' });
    expect(stateOf('maint drain')).toEqual({ state: 'maint' });
  });

  it('reads only the first line, so a second line is neither applied nor echoed', () => {
    const p = parseAgentCheck('drain\nserver evil 1.2.3.4:80');
    expect(p).toEqual({ ok: true, state: { state: 'drain' }, warnings: [] });
  });

  it('reads a file that starts with a UTF-8 byte-order mark as if it had none', () => {
    expect(stateOf('\uFEFFdrain\n')).toEqual({ state: 'drain' });
    expect(stateOf('\uFEFF50%')).toEqual({ state: 'up', weight: 50 });
  });

  it('skips leading blank lines to find the first line with content', () => {
    expect(stateOf('\n\n  \r\ndrain')).toEqual({ state: 'drain' });
  });

  it('refuses a line without any state word or weight', () => {
    expect(parseAgentCheck('rm -rf /')).toEqual({ ok: false, problem: expect.stringContaining('no state word') });
  });

  it('refuses a file that is only a comment', () => {
    expect(parseAgentCheck('# nothing to say').ok).toBe(false);
  });

  it('refuses an empty file', () => {
    expect(parseAgentCheck('')).toEqual({ ok: false, problem: 'the file is empty' });
  });

  it('refuses binary junk', () => {
    expect(parseAgentCheck('\u0000\u0001\u00ff\ufffd\u0002PK\u0003\u0004').ok).toBe(false);
  });

  it('does not treat a word that merely starts like a state as that state', () => {
    expect(parseAgentCheck('downtime').ok).toBe(false);
  });

  it('quotes unknown words in warnings as bounded printable ASCII', () => {
    expect(warningsOf(`up \u001b${'A'.repeat(100)}`)).toEqual([`ignored 1 unknown word(s): "${'a'.repeat(24)}"`]);
  });

  it('looks at no more than the first 4096 characters of a huge file', () => {
    expect(parseAgentCheck(' '.repeat(10 * 1024 * 1024) + 'down').ok).toBe(false);
  });
});
