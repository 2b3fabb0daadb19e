import { describe, expect, it } from 'vitest';
import { outerSources, splitFlows } from './outer-sources.js';

describe('outerSources', () => {
  it('groups IPIP and ip6ip6 packets by inner flow and counts the flows of each outer source', () => {
    const text = [
      'IP 10.0.0.70 > 10.0.1.33: IP 10.0.0.21.35872 > 198.51.100.1.80: Flags [S], seq 1, win 64240, length 0',
      'IP 10.0.0.70 > 10.0.1.33: IP 10.0.0.21.35872 > 198.51.100.1.80: Flags [.], ack 1, win 502, length 0',
      'eth0  In  IP 10.0.0.81 > 10.0.1.33: IP 10.0.0.21.35874 > 198.51.100.1.80: Flags [S], seq 1, win 64240, length 0',
      'IP6 fd00::1:45 > fd00:1::33: IP6 fd00::21.40000 > 2001:db8::c633:6401.80: Flags [S], seq 1, win 64800, length 0',
      'IP 10.0.1.33.9100 > 10.0.0.21.41000: Flags [S.], length 0',
      'tcpdump: listening on eth0',
    ].join('\n');
    const o = outerSources(text);
    expect(o.packets).toBe(4);
    expect(o.syns).toBe(3);
    expect(o.flows.size).toBe(3);
    expect(o.sources).toEqual(new Map([['10.0.0.70', 1], ['10.0.0.81', 1], ['fd00::1:45', 1]]));
    expect(splitFlows(o)).toEqual([]);
  });

  it('counts only the packets to the inner destination asked for', () => {
    const o = outerSources([
      'IP 10.0.0.70 > 10.0.1.33: IP 10.0.0.21.35872 > 198.51.100.1.80: Flags [S], seq 1, win 64240, length 0',
      'IP 10.0.0.71 > 10.0.1.33: IP 10.0.0.21.35873 > 198.51.100.3.80: Flags [S], seq 1, win 64240, length 0',
      'IP 10.0.0.72 > 10.0.1.33: IP 10.0.0.21.35874 > 198.51.100.1.8443: Flags [S], seq 1, win 64240, length 0',
    ].join('\n'), (address, port) => address === '198.51.100.1' && port === 80);
    expect({ packets: o.packets, syns: o.syns, flows: [...o.flows.keys()] }).toEqual({ packets: 1, syns: 1, flows: ['10.0.0.21.35872 > 198.51.100.1.80'] });
  });

  it('counts a connection that reused a finished one\'s address and port as one more SYN of the same flow', () => {
    const o = outerSources([
      'IP 10.0.0.70 > 10.0.1.33: IP 10.0.0.21.35872 > 198.51.100.1.80: Flags [S], seq 1, length 0',
      'IP 10.0.0.70 > 10.0.1.33: IP 10.0.0.21.35872 > 198.51.100.1.80: Flags [F.], seq 1, length 0',
      'IP 10.0.0.70 > 10.0.1.33: IP 10.0.0.21.35872 > 198.51.100.1.80: Flags [S], seq 9, length 0',
    ].join('\n'));
    expect(o.flows.size).toBe(1);
    expect(o.syns).toBe(2);
  });

  it('names a flow whose packets carried two outer sources', () => {
    const o = outerSources([
      'IP 10.0.0.70 > 10.0.1.33: IP 10.0.0.21.35872 > 198.51.100.1.80: Flags [S], length 0',
      'IP 10.0.0.21 > 10.0.1.33: IP 10.0.0.21.35872 > 198.51.100.1.80: Flags [.], length 0',
    ].join('\n'));
    expect(splitFlows(o)).toEqual(['10.0.0.21.35872 > 198.51.100.1.80']);
  });
});
