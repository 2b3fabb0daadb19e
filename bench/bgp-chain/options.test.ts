import { describe, expect, it } from 'vitest';
import { parseChainOptions } from './options.js';

const defaults = { site: '/lab/site.yaml', out: '/results' };

describe('parseChainOptions', () => {
  it('defaults to 20 repetitions of both speakers within 8 minutes', () => {
    expect(parseChainOptions([], defaults)).toEqual({ reps: 20, speakers: ['bird', 'gobgp'], maxSeconds: 480, site: '/lab/site.yaml', out: '/results', help: false });
  });

  it('takes each speaker once, in the order given', () => {
    expect(parseChainOptions(['--speakers', 'gobgp, bird,gobgp'], defaults).speakers).toEqual(['gobgp', 'bird']);
  });

  it('names every bad option at once', () => {
    expect(() => parseChainOptions(['--reps', '0', '--max-seconds', '1e9', '--speakers', 'frr'], defaults)).toThrow(
      /--reps: expected a whole number from 1 to 200, got "0"\n--max-seconds: expected a whole number from 60 to 1800, got "1e9"\n--speakers: expected a comma-separated list among gobgp, bird, got "frr"/,
    );
  });
});
