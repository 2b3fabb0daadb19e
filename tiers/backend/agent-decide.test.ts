import { describe, expect, it } from 'vitest';
import { decideAgentState, goodStateOf } from './agent-decide.js';
import type { AgentState } from './agent-state.js';

const drained: AgentState = { state: 'drain' };
const text = (t: string) => ({ kind: 'text', text: t }) as const;

describe('decideAgentState', () => {
  it('answers up at full weight when the file is absent', () => {
    expect(decideAgentState({ kind: 'absent' }, drained)).toMatchObject({ reply: 'up ready 100%\n', basis: 'absent', warnings: [] });
  });

  it('answers what a readable file says', () => {
    expect(decideAgentState(text('down # disk'), undefined)).toMatchObject({ reply: 'down ready 100% # disk\n', basis: 'file' });
  });

  it('honours an explicit down even when the previous answer was up', () => {
    expect(decideAgentState(text('down'), { state: 'up' }).state).toEqual({ state: 'down' });
  });

  it('keeps the previous answer when the file is garbage', () => {
    expect(decideAgentState(text('rm -rf /'), drained)).toMatchObject({ state: drained, basis: 'kept' });
  });

  it('keeps the previous answer when the file is empty, as it is mid-write', () => {
    expect(decideAgentState(text(''), drained)).toMatchObject({ reply: 'up drain 100%\n', basis: 'kept' });
  });

  it('keeps the previous answer when the file cannot be read', () => {
    expect(decideAgentState({ kind: 'unreadable', problem: 'EACCES' }, drained)).toMatchObject({ state: drained, basis: 'kept' });
  });

  it('falls back to up when the file is unusable and there is no previous answer', () => {
    expect(decideAgentState(text('garbage'), undefined)).toMatchObject({ reply: 'up ready 100%\n', basis: 'fallback' });
  });

  it('says why it did not use the file', () => {
    expect(decideAgentState({ kind: 'unreadable', problem: 'EISDIR' }, drained).warnings).toEqual([
      'cannot read the file: EISDIR; keeping the previous answer',
    ]);
  });

  it('passes on the parser warnings of a usable file', () => {
    expect(decideAgentState(text('drain 101%'), undefined).warnings).toHaveLength(1);
  });

  it('remembers the file\'s answer, not a fallback, as the state to keep', () => {
    expect(goodStateOf(decideAgentState(text('garbage'), undefined), undefined)).toBeUndefined();
    expect(goodStateOf(decideAgentState(text('garbage'), drained), drained)).toEqual(drained);
    expect(goodStateOf(decideAgentState(text('down'), drained), drained)).toEqual({ state: 'down' });
  });
});
