import { describe, expect, it } from 'vitest';
import { legendText } from './legend.js';

describe('legendText', () => {
  it('replaces each {{label}} with the series\' value of that label', () => {
    expect(legendText('p99 {{instance}} {{file}}', { instance: 'l4-1', file: 'disable' }, 'x')).toBe('p99 l4-1 disable');
  });

  it('leaves nothing for a label the series lacks, as Grafana does', () => {
    expect(legendText('{{instance}} {{daemon}} {{result}}', { instance: 'l7-1', daemon: 'haproxy' }, 'x')).toBe('l7-1 haproxy');
  });

  it('names a series by its metric and labels without a legendFormat, or by the query when it has neither', () => {
    expect(legendText(undefined, { __name__: 'up', job: 'tierlb', instance: 'rt-1' }, 'up')).toBe('up{instance="rt-1", job="tierlb"}');
    expect(legendText('', {}, 'sum(up)')).toBe('sum(up)');
  });
});
