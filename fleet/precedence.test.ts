import { describe, expect, it } from 'vitest';
import { decideAgentState } from '../tiers/backend/index.js';
import { agentDecisionWithFleet, disableWithFleet, fleetWordOf, nextFleetExpiry, serverWordsOf } from './precedence.js';
import type { PoolRecord } from './record.js';
import type { FleetView } from './store.js';

const NOW = Date.parse('2026-12-03T06:00:00Z');
const rec = (pooled: PoolRecord['pooled'], extra: Partial<PoolRecord> = {}): PoolRecord => ({ pooled, reason: 'why', who: 'bob@h', when: '2026-12-03T05:59:00.000Z', ...extra });
const view = (records: Record<string, PoolRecord>): FleetView => ({ records: new Map(Object.entries(records)), revision: 3, problems: [], source: 'store' });

describe('precedence: the local file, then etcd, then health', () => {
  it('takes the most restrictive word among the names a node answers for', () => {
    const v = view({ 'srv-1': rec('drain'), web1: rec('no'), 'srv-2': rec('no', { expires: '2026-12-03T05:59:30Z' }) });
    expect(fleetWordOf(v, ['srv-1', 'web1'], NOW)?.pooled).toBe('no');
    expect(fleetWordOf(v, ['srv-2'], NOW)).toEqual({ name: 'srv-2', pooled: 'yes' });
    expect(fleetWordOf(undefined, ['srv-1'], NOW)).toBeUndefined();
  });

  it('disables an L4 node on drain or no unless its disable file already decides', () => {
    const word = fleetWordOf(view({ 'l4-1': rec('drain', { expires: '2026-12-03T07:00:00Z' }) }), ['l4-1'], NOW);
    const d = disableWithFleet({ state: 'enabled' }, word);
    expect(d.source).toBe('etcd');
    expect(d.state).toMatchObject({ state: 'disabled', expires: new Date('2026-12-03T07:00:00Z') });
    const file = { state: 'disabled' as const, reason: 'local', warnings: [] };
    expect(disableWithFleet(file, word)).toEqual({ state: file, source: 'file' });
    expect(disableWithFleet({ state: 'enabled' }, fleetWordOf(view({}), ['l4-1'], NOW)).source).toBe('file');
  });

  it('answers agent-checks with etcd only where the file is absent: a file saying up wins', () => {
    const word = fleetWordOf(view({ 'l7-1': rec('no') }), ['l7-1'], NOW);
    const absent = agentDecisionWithFleet(decideAgentState({ kind: 'absent' }, undefined), word, 'l7 node');
    expect(absent).toMatchObject({ basis: 'etcd', state: { state: 'down' } });
    expect(absent.reply).toMatch(/^down ready 100% # etcd no: why \(bob@h/);
    const up = decideAgentState({ kind: 'text', text: 'up\n' }, undefined);
    expect(agentDecisionWithFleet(up, word, 'l7 node')).toBe(up);
    // A server depooled is drained: HAProxy keeps what it carries.
    expect(agentDecisionWithFleet(decideAgentState({ kind: 'absent' }, undefined), word, 'server').reply).toMatch(/^up drain 100% # etcd no/);
    const weighed = agentDecisionWithFleet(decideAgentState({ kind: 'absent' }, undefined), fleetWordOf(view({ 'l7-1': rec('yes', { weight: 40 }) }), ['l7-1'], NOW), 'l7 node');
    expect(weighed.reply).toMatch(/^up ready 40%/);
  });

  it('lists the servers etcd speaks of and the next expiry to wake for', () => {
    const v = view({ 'srv-1': rec('no', { expires: '2026-12-03T06:00:20Z' }), 'srv-2': rec('yes'), 'srv-3': rec('yes', { weight: 50 }) });
    expect([...serverWordsOf(v, ['srv-1', 'srv-2', 'srv-3', 'srv-1'], NOW)]).toEqual([['srv-1', { pooled: 'no' }], ['srv-3', { pooled: 'yes', weight: 50 }]]);
    expect(nextFleetExpiry(v, ['srv-1', 'srv-2'], NOW)).toBe(Date.parse('2026-12-03T06:00:20Z'));
  });
});
