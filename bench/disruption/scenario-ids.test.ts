import { describe, expect, it } from 'vitest';
import { DEFAULT, FAULT_ORDER, isFaultRun, rowOrder, selectScenarios } from './scenario-ids.js';

describe('selectScenarios', () => {
  it('runs every scenario but moved by default, and 1 and 3 with --short', () => {
    expect(selectScenarios(undefined, false)).toEqual(['1', '3', '5', '2b', '4', '2a', '6', 'edits']);
    expect(DEFAULT).not.toContain('moved');
    expect(selectScenarios(undefined, true)).toEqual(['1', '3']);
  });

  it('runs moved when named, alone or with the scenarios that share its boot site', () => {
    expect(selectScenarios('moved', false)).toEqual(['moved']);
    expect(selectScenarios('1, moved', false)).toEqual(['1', 'moved']);
  });

  it('refuses moved with edits: they boot on different sites', () => {
    expect(() => selectScenarios('moved,edits', false)).toThrow('moved and edits boot on different sites');
  });

  it('refuses an unknown id and an empty list', () => {
    expect(() => selectScenarios('1,9', false)).toThrow(/expected ids among 1, 3, 5, 2b, 4, 2a, 6, moved, edits, fault\.freeze, .* got "1,9"/);
    expect(() => selectScenarios(' , ', false)).toThrow('expected ids among');
  });

  it('expands faults to every fault and the sync rows, sync off again last; never in a default run', () => {
    const ids = selectScenarios('faults', false);
    expect(ids).toEqual(FAULT_ORDER);
    expect(ids).toContain('fault.freeze');
    expect(ids.slice(-5)).toEqual(['sync.join-leave.off', 'sync.join-leave.on', 'sync.drain-move.off', 'sync.drain-move.on', 'sync.reset']);
    expect(DEFAULT.some((id) => ids.includes(id))).toBe(false);
    expect(selectScenarios('fault.netem,sync.reset', false)).toEqual(['fault.netem', 'sync.reset']);
  });

  it('names a run of faults only as the fault bench, and orders rows disruption first', () => {
    expect(isFaultRun(FAULT_ORDER)).toBe(true);
    expect(isFaultRun(['fault.freeze', '1'])).toBe(false);
    expect(isFaultRun([])).toBe(false);
    expect(rowOrder('6')).toBeLessThan(rowOrder('fault.freeze'));
    expect(rowOrder('sync.join-leave.off')).toBeLessThan(rowOrder('sync.join-leave.on'));
  });
});
