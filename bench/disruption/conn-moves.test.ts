import { describe, expect, it } from 'vitest';
import { connectionMoves } from './conn-moves.js';

const HEAD = 'IPVS connection entries\npro expire state       source             virtual            destination\n';
const snap = (at: string, tables: Record<string, string[]>): string =>
  Object.entries(tables).map(([n, rows]) => `## ${n} ${at}\n${HEAD}${rows.join('\n')}\n`).join('');

describe('connectionMoves', () => {
  it('counts a flow fresh on two L4 nodes in one snapshot as moved, and split when they send it to different L7 nodes', () => {
    const text = snap('2026-11-23T15:50:14.392Z', {
      'l4-1': ['TCP 14:59  ESTABLISHED 203.0.113.12:34319 198.51.100.3:80    10.0.1.34:80', 'TCP 14:58  ESTABLISHED 203.0.113.9:1000 198.51.100.1:80 10.0.1.32:80'],
      'l4-2': ['TCP 14:54  ESTABLISHED 203.0.113.12:34319 198.51.100.3:80    10.0.1.31:80', 'TCP 14:55  ESTABLISHED 203.0.113.9:1000 198.51.100.1:80 10.0.1.32:80'],
    });
    expect(connectionMoves(text)).toEqual({ moved: 2, split: 1, examples: ['203.0.113.12:34319 198.51.100.3:80: l4-1→10.0.1.34:80, l4-2→10.0.1.31:80'] });
  });

  it('ignores entries not refreshed within 10 s, other states, and the same flow in different snapshots', () => {
    const text = snap('2026-11-23T15:50:00.000Z', { 'l4-1': ['TCP 13:20  ESTABLISHED 203.0.113.1:1 198.51.100.1:80 10.0.1.31:80'], 'l4-2': ['TCP 14:59  ESTABLISHED 203.0.113.1:1 198.51.100.1:80 10.0.1.31:80', 'TCP 00:09  CLOSE 203.0.113.2:2 198.51.100.1:80 10.0.1.34:80'] })
      + snap('2026-11-23T15:50:05.000Z', { 'l4-3': ['TCP 14:59  ESTABLISHED 203.0.113.2:2 198.51.100.1:80 10.0.1.31:80'] })
      + 'garbage line\n';
    expect(connectionMoves(text)).toEqual({ moved: 0, split: 0, examples: [] });
  });
});
