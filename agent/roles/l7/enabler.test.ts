import { describe, expect, it } from 'vitest';
import type { AgentState } from '../../../tiers/backend/index.js';
import { enablerCommands, enablerStateOf, pushEnabler } from './enabler.js';

const state = (s: Partial<AgentState> & Pick<AgentState, 'state'>): AgentState => s as AgentState;

describe('enablerStateOf', () => {
  it('reads each agent-check state the way its agent-check reply does', () => {
    expect(enablerStateOf(state({ state: 'up' }))).toEqual({ health: 'up', admin: 'ready', weight: 100 });
    expect(enablerStateOf(state({ state: 'drain' }))).toEqual({ health: 'up', admin: 'drain', weight: 100 });
    expect(enablerStateOf(state({ state: 'maint' }))).toEqual({ health: 'up', admin: 'maint', weight: 100 });
    expect(enablerStateOf(state({ state: 'down' }))).toEqual({ health: 'down', admin: 'ready', weight: 100 });
  });

  it('counts stopped and fail as down: the runtime API knows only up and down', () => {
    expect(enablerStateOf(state({ state: 'stopped' })).health).toBe('down');
    expect(enablerStateOf(state({ state: 'fail' })).health).toBe('down');
  });

  it('keeps the weight and ignores the reason', () => {
    expect(enablerStateOf(state({ state: 'up', weight: 0, reason: 'reboot, 50% done' } as unknown as AgentState))).toEqual({ health: 'up', admin: 'ready', weight: 0 });
  });
});

describe('enablerCommands', () => {
  it('takes the health down first', () => {
    expect(enablerCommands('enabler', 'l7-1', { health: 'down', admin: 'ready', weight: 100 })).toEqual([
      'set server enabler/l7-1 agent down', 'set server enabler/l7-1 state ready', 'set server enabler/l7-1 weight 100%',
    ]);
  });

  it('brings the health up last', () => {
    expect(enablerCommands('enabler', 'l7-1', { health: 'up', admin: 'drain', weight: 50 })).toEqual([
      'set server enabler/l7-1 state drain', 'set server enabler/l7-1 weight 50%', 'set server enabler/l7-1 agent up',
    ]);
  });
});

describe('pushEnabler', () => {
  it('sends every command while HAProxy answers with an empty line', async () => {
    const sent: string[] = [];
    const r = await pushEnabler({ command: async (l) => { sent.push(l); return '\n'; } }, ['a', 'b']);
    expect(r).toEqual({ ok: true });
    expect(sent).toEqual(['a', 'b']);
  });

  it('stops at the first command HAProxy answers with a message', async () => {
    const sent: string[] = [];
    const r = await pushEnabler({ command: async (l) => { sent.push(l); return l === 'a' ? 'No such server.\n' : '\n'; } }, ['a', 'b']);
    expect(r).toEqual({ ok: false, command: 'a', answer: 'No such server.' });
    expect(sent).toEqual(['a']);
  });

  it('reports a socket that cannot be reached', async () => {
    const r = await pushEnabler({ command: async () => { throw new Error('connect ENOENT /run/tierlb/haproxy.sock'); } }, ['a']);
    expect(r).toMatchObject({ ok: false, answer: 'error: connect ENOENT /run/tierlb/haproxy.sock' });
  });
});
