import { describe, expect, it } from 'vitest';
import { DEFAULT, selectScenarios } from './scenario-ids.js';

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
    expect(() => selectScenarios('1,9', false)).toThrow('expected ids among 1, 3, 5, 2b, 4, 2a, 6, moved, edits, got "1,9"');
    expect(() => selectScenarios(' , ', false)).toThrow('expected ids among');
  });
});
