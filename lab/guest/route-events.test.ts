import { describe, expect, it } from 'vitest';
import { hopsSince, parseRouteEvents, vipChanges } from './route-events.js';

// Captured from `ip -ts monitor route` (iproute2 6.x) while adding, replacing and deleting routes.
const SAMPLE = `[2026-11-23T12:36:14.227552] 198.51.100.1 proto bird 
\tnexthop via 10.9.0.2 dev d0 weight 1 
\tnexthop via 10.9.1.2 dev d1 weight 1 
[2026-11-23T12:36:14.227679] 198.51.100.1 via 10.9.0.2 dev d0 proto bird 
[2026-11-23T12:36:14.229208] Deleted 198.51.100.1 via 10.9.0.2 dev d0 proto bird 
[2026-11-23T12:36:14.231094] 2001:db8::1 proto bird metric 1024 pref medium
\tnexthop via fd00::2 dev d0 weight 1 
\tnexthop via fd01::2 dev d1 weight 1 
[2026-11-23T12:36:15.000000] 10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1
garbage line
`;

describe('parseRouteEvents', () => {
  it('reads every event with its time, destination, deletion and next hops', () => {
    const e = parseRouteEvents(SAMPLE);
    expect(e.map((x) => [x.dst, x.deleted, x.hops])).toEqual([
      ['198.51.100.1', false, ['10.9.0.2', '10.9.1.2']],
      ['198.51.100.1', false, ['10.9.0.2']],
      ['198.51.100.1', true, ['10.9.0.2']],
      ['2001:db8::1', false, ['fd00::2', 'fd01::2']],
      ['10.0.0.0/24', false, []],
    ]);
    expect((e[1]?.at ?? 0) - (e[0]?.at ?? 0)).toBeCloseTo(0.127, 3);
    expect(e[0]?.at).toBe(new Date('2026-11-23T12:36:14').getTime() + 227.552);
  });

  it('gives the first and last change to the VIPs in a window', () => {
    const e = parseRouteEvents(SAMPLE);
    const t0 = e[0]?.at ?? 0;
    expect(vipChanges(e, ['198.51.100.1', '2001:db8::1'], t0 + 0.1)).toEqual({ first: e[1]?.at, last: e[3]?.at, count: 3 });
    expect(vipChanges(e, ['198.51.100.9'], 0)).toBeUndefined();
  });
});

describe('hopsSince', () => {
  it('keeps the last state of each VIP per router after a time, a deletion leaving no hop', () => {
    const rt1 = parseRouteEvents(SAMPLE, 'rt-1');
    const rt2 = parseRouteEvents(`[2026-11-23T12:36:14.300000] 198.51.100.1 via inet6 fd00::21 dev d0 proto bird \n`, 'rt-2');
    const t0 = rt1[0]?.at ?? 0;
    const state = hopsSince([...rt2, ...rt1], ['198.51.100.1', '2001:db8::1'], t0);
    expect(state.get('rt-1')).toEqual(new Map([['198.51.100.1', []], ['2001:db8::1', ['fd00::2', 'fd01::2']]]));
    expect(state.get('rt-2')).toEqual(new Map([['198.51.100.1', ['fd00::21']]]));
    expect(hopsSince(rt1, ['198.51.100.1'], t0 + 10000).size).toBe(0);
  });
});
