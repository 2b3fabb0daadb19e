import { describe, expect, it } from 'vitest';
import { renderAgentReply } from './agent-reply.js';
import { AGENT_STATES, type AgentState, toAgentReason, toWeightPercent } from './agent-state.js';

const reply = (s: AgentState): string => renderAgentReply(s);

describe('renderAgentReply', () => {
  it.each([
    ['up', 'up ready 100%\n'],
    ['ready', 'up ready 100%\n'],
    ['drain', 'up drain 100%\n'],
    ['maint', 'up maint 100%\n'],
    ['down', 'down ready 100%\n'],
    ['stopped', 'stopped ready 100%\n'],
    ['fail', 'fail ready 100%\n'],
  ] as const)('answers %s with health, admin state and weight: %j', (state, line) => {
    expect(reply({ state })).toBe(line);
  });

  it('sends the weight percent when one is set', () => {
    expect(reply({ state: 'up', weight: toWeightPercent('50%') })).toBe('up ready 50%\n');
  });

  it('puts the reason after #', () => {
    expect(reply({ state: 'down', reason: toAgentReason('kernel upgrade by alice') })).toBe('down ready 100% # kernel upgrade by alice\n');
  });

  it('ends every reply with exactly one newline and no other line break', () => {
    const replies = AGENT_STATES.map((state) => reply({ state, reason: toAgentReason('a\nb\rc') }));
    expect(replies.every((r) => r.endsWith('\n') && r.indexOf('\n') === r.length - 1 && !r.includes('\r'))).toBe(true);
  });
});
