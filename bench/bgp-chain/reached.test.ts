import { describe, expect, it } from 'vitest';
import type { RouteEvent } from '../../lab/guest/route-events.js';
import { establishedNeighbors, kernelHops, routeHops } from './reached.js';

const VIP = '198.51.100.1';
const ev = (router: string, at: number, hops: string[], deleted = false, dst = VIP): RouteEvent => ({ router, at, hops, deleted, dst });

describe('kernelHops', () => {
  it('ends when the last router reaches the expected next hops, in any order', () => {
    const k = kernelHops([ev('rt-1', 105, ['10.0.0.22']), ev('rt-2', 112, ['10.0.0.22', '10.0.0.21'])], VIP, ['rt-1', 'rt-2'], 100, ['10.0.0.21', '10.0.0.22']);
    expect(k.first).toBe(105);
    expect(k.every).toBeNull();
    expect([...k.reached]).toEqual([['rt-2', 112]]);
  });

  it('takes each router at its first event with the expected hops, not a later repeat', () => {
    const events = [ev('rt-2', 130, ['10.0.0.22']), ev('rt-1', 110, ['10.0.0.21', '10.0.0.22']), ev('rt-1', 120, ['10.0.0.22']), ev('rt-2', 140, ['10.0.0.22'])];
    const k = kernelHops(events, VIP, ['rt-1', 'rt-2'], 100, ['10.0.0.22']);
    expect(k).toMatchObject({ first: 110, every: 130, changes: 4 });
  });

  it('ignores events before the call and of other routes', () => {
    const k = kernelHops([ev('rt-1', 99, ['10.0.0.22']), ev('rt-1', 101, ['10.0.0.22'], false, '198.51.100.2')], VIP, ['rt-1'], 100, ['10.0.0.22']);
    expect(k).toMatchObject({ first: null, every: null, changes: 0 });
  });

  it('reads a deleted route as no next hop', () => {
    const k = kernelHops([ev('rt-1', 101, ['10.0.0.22'], true)], VIP, ['rt-1'], 100, []);
    expect(k.every).toBe(101);
  });
});

describe('routeHops', () => {
  it('reads a single-path and a multipath route the same way, sorted', () => {
    expect(routeHops('198.51.100.1 via 10.0.0.22 dev eth0 proto bird metric 32 \n')).toEqual(['10.0.0.22']);
    expect(routeHops('198.51.100.1 proto bird metric 32 \n\tnexthop via 10.0.0.22 dev eth0 weight 1 \n\tnexthop via 10.0.0.21 dev eth0 weight 1 \n')).toEqual(['10.0.0.21', '10.0.0.22']);
    expect(routeHops('')).toEqual([]);
  });
});

describe('establishedNeighbors', () => {
  it('keeps only the peers gobgp shows as Establ', () => {
    const text = [
      'Peer        AS  Up/Down State       |#Received  Accepted',
      '10.0.0.1 64512 00:00:09 Establ      |        0         0',
      'fd00::21 64512 00:00:07 Establ      |        0         0',
      '10.0.0.23 64512   never Active      |        0         0',
    ].join('\n');
    expect([...establishedNeighbors(text)]).toEqual(['10.0.0.1', 'fd00::21']);
  });
});
