import { describe, expect, it } from 'vitest';
import { parseRestartOptions } from './options.js';

const defaults = { site: '/s.yaml', out: '/out' };

describe('parseRestartOptions', () => {
  it('gives five runs of both behaviours and both scenarios by default', () => {
    expect(parseRestartOptions([], defaults)).toEqual({
      runs: 5, behaviours: ['old', 'new'], scenarios: ['kill', 'reflector-down'], windowMs: 15000, intervalMs: 25, site: '/s.yaml', out: '/out', help: false,
    });
  });

  it('names every bad option at once', () => {
    expect(() => parseRestartOptions(['--runs', '0', '--behaviours', 'old,newer', '--interval', '5'], defaults))
      .toThrow(/--runs: expected a whole number from 1 to 50, got "0"\n--interval: .*got "5"\n--behaviours: expected a comma-separated list among old, new, got "old,newer"/);
  });

  it('takes one behaviour and one scenario', () => {
    expect(parseRestartOptions(['--behaviours', 'new', '--scenarios', 'reflector-down', '--window', '30'], defaults))
      .toMatchObject({ behaviours: ['new'], scenarios: ['reflector-down'], windowMs: 30000 });
  });
});
