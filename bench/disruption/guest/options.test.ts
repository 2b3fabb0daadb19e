import { describe, expect, it } from 'vitest';
import { readBenchOptions } from './options.js';

const IDS = ['1', '3'];
const base = { scenarios: ['1', '3'], flows: 100, seconds: 40, idleMs: 15000, warmupMs: 2000 };
const read = (o: Record<string, unknown>): ReturnType<typeof readBenchOptions> => readBenchOptions(JSON.stringify(o), IDS);

describe('readBenchOptions', () => {
  it('runs the scenarios alone unless the lab checks are asked for, with the lab\'s client', () => {
    expect(read(base).labChecks).toBeUndefined();
    expect(read({ ...base, labChecks: { client: '/repo/lab/client.mjs' } }).labChecks).toEqual({ client: '/repo/lab/client.mjs' });
  });
  it('refuses lab checks that do not name the lab\'s client by its absolute path', () => {
    expect(() => read({ ...base, labChecks: true })).toThrow(/labChecks to name the lab's client by its absolute path, got true/);
    expect(() => read({ ...base, labChecks: { client: 'client.mjs' } })).toThrow(/absolute path/);
  });
  it('refuses an unknown scenario and a load out of range', () => {
    expect(() => read({ ...base, scenarios: ['9'] })).toThrow(/scenarios among 1, 3/);
    expect(() => read({ ...base, flows: 0 })).toThrow(/flows from 1 to 2000, got 0/);
  });
});
