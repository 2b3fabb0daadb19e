import { describe, expect, it } from 'vitest';
import { addressOf, explainedNode, flowsToExplain, parseIpvsConnections, usersFlows } from './flow-explain.js';

const LNC = `IPVS connection entries
pro expire state       source                   virtual                  destination
TCP 14:58  ESTABLISHED 203.0.113.10:40312       198.51.100.1:80          10.0.1.32:80
TCP 01:57  FIN_WAIT    203.0.113.11:40313       198.51.100.1:80          10.0.1.31:80
TCP 00:59  SYN_RECV    [2001:db8:ffff::10]:5123 [2001:db8::c633:6401]:80 [fd00:0:1::33]:80
UDP 04:59  UDP         203.0.113.12:53          198.51.100.9:53          10.0.1.34:53
something else
`;

describe('parseIpvsConnections', () => {
  it('reads every entry of ipvsadm -Lnc, IPv4 and IPv6, and skips the headers', () => {
    const c = parseIpvsConnections(LNC);
    expect(c.map((x) => [x.protocol, x.state, x.client, x.virtual, x.destination])).toEqual([
      ['TCP', 'ESTABLISHED', '203.0.113.10:40312', '198.51.100.1:80', '10.0.1.32:80'],
      ['TCP', 'FIN_WAIT', '203.0.113.11:40313', '198.51.100.1:80', '10.0.1.31:80'],
      ['TCP', 'SYN_RECV', '[2001:db8:ffff::10]:5123', '[2001:db8::c633:6401]:80', '[fd00:0:1::33]:80'],
      ['UDP', 'UDP', '203.0.113.12:53', '198.51.100.9:53', '10.0.1.34:53'],
    ]);
  });
  it('reads nothing from an error message', () => {
    expect(parseIpvsConnections('Can\'t initialize ipvs: Protocol not available\n')).toEqual([]);
  });
});

describe('usersFlows', () => {
  it('leaves out the L4 node\'s own checks through the tunnel, IPv4 and IPv6', () => {
    const c = parseIpvsConnections(LNC);
    expect(usersFlows(c, new Set(['203.0.113.11', '2001:db8:ffff::10'])).map((x) => x.client)).toEqual(['203.0.113.10:40312', '203.0.113.12:53']);
  });
});

describe('flowsToExplain', () => {
  it('takes one TCP flow per virtual service, the L4 nodes taking turns', () => {
    const c = parseIpvsConnections(LNC);
    const flows = flowsToExplain(new Map([['l4-1', c], ['l4-2', [...c].reverse()]]));
    expect(flows.map((f) => `${f.l4} ${f.c.client}`)).toEqual(['l4-1 203.0.113.10:40312', 'l4-2 [2001:db8:ffff::10]:5123']);
  });
  it('takes no more than it is given', () => {
    expect(flowsToExplain(new Map([['l4-1', parseIpvsConnections(LNC)]]), 1)).toHaveLength(1);
  });
  it('takes nothing from empty tables', () => {
    expect(flowsToExplain(new Map([['l4-1', []]]))).toEqual([]);
  });
});

describe('addressOf and explainedNode', () => {
  it('strips the port and the brackets', () => {
    expect(addressOf('[fd00:0:1::33]:80')).toBe('fd00:0:1::33');
    expect(addressOf('10.0.1.31:80')).toBe('10.0.1.31');
  });
  it('reads the L7 node tierlb explain names first, not the one it names for a drain', () => {
    const text = '203.0.113.10:40312 (port not hashed) -> 198.51.100.1:80 (service web, mh-fallback) on l4-1:\n  goes to l7-2 (10.0.1.32), slot 17 of 4093\n  if l7-2 is drained: goes to l7-4 (10.0.1.34), by mh-fallback past slot 17\n';
    expect(explainedNode(text)).toBe('l7-2');
    expect(explainedNode('tierlb: VIP:PORT: 198.51.100.9 is no VIP of site "lab"\n')).toBeUndefined();
  });
});
