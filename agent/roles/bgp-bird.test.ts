// Replies of the installed BIRD 2.0.12, captured from the netns lab.
import { describe, expect, it } from 'vitest';
import type { BirdControl, BirdReplyLine } from '../drivers/bird/control.js';
import { birdAnswers, birdShow, configureBird, parseBirdProtocols, parseBirdRoutes } from './bgp-bird.js';

const SHOW_PROTOCOLS = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     11:27:56.151  
direct1    Direct     ---        up     11:27:56.151  
kernel_ipv4 Kernel     master4    up     11:27:56.151  
kernel_ipv6 Kernel     master6    up     11:27:56.151  
bgp_rr_1_ipv4 BGP        ---        up     11:28:00.786  Established   
bgp_rr_1_ipv6 BGP        ---        up     11:28:00.690  Established   
bgp_rr_2_ipv4 BGP        ---        start  11:27:56.151  Active        Socket: No route to host
bgp_rr_2_ipv6 BGP        ---        start  11:27:56.151  Connect       
`;

const SHOW_ROUTE_EXPORT = `BIRD 2.0.12 ready.
Table master4:
198.51.100.2/32      unicast [bgp_rr_1_ipv4 11:28:02.239 from 10.0.0.11] * (100) [i]
\tvia 10.0.0.22 on eth0
198.51.100.1/32      unicast [bgp_rr_1_ipv4 11:28:01.197 from 10.0.0.11] * (100) [i]
\tvia 10.0.0.21 on eth0 weight 1
\tvia 10.0.0.22 on eth0 weight 1
`;

const replies = (lines: BirdReplyLine[]): BirdControl => ({ socket: '/s', command: () => Promise.resolve({ ok: true, lines }) });
const noBird: BirdControl = { socket: '/s', command: () => Promise.resolve({ ok: false, error: 'BIRD on /s: no such socket (is BIRD running?)' }) };

describe('parseBirdProtocols', () => {
  it('reads every row with its state and info', () => {
    const rows = parseBirdProtocols(SHOW_PROTOCOLS);
    expect(rows).toHaveLength(8);
    expect(rows.find((r) => r.name === 'bgp_rr_1_ipv4')).toEqual({ name: 'bgp_rr_1_ipv4', proto: 'BGP', state: 'up', info: 'Established' });
    expect(rows.find((r) => r.name === 'bgp_rr_2_ipv4')).toEqual({ name: 'bgp_rr_2_ipv4', proto: 'BGP', state: 'start', info: 'Active  Socket: No route to host' });
  });

  it('reads nothing from a reply without the table header', () => {
    expect(parseBirdProtocols('Unable to connect to server control socket (/run/bird.ctl): Connection refused\n')).toEqual([]);
    expect(parseBirdProtocols('')).toEqual([]);
  });
});

describe('parseBirdRoutes', () => {
  it('reads each prefix with the next hops of its merged route', () => {
    expect([...parseBirdRoutes(SHOW_ROUTE_EXPORT)]).toEqual([
      ['198.51.100.2/32', ['10.0.0.22']],
      ['198.51.100.1/32', ['10.0.0.21', '10.0.0.22']],
    ]);
  });

  it('joins the paths of a prefix listed as several routes (plain show route)', () => {
    const text = 'Table master4:\n198.51.100.1/32      unicast [bgp_rr_1_ipv4 11:28:01.197 from 10.0.0.11] * (100) [i]\n\tvia 10.0.0.21 on eth0\n                     unicast [bgp_rr_1_ipv4 11:28:02.238 from 10.0.0.11] (100) [i]\n\tvia 10.0.0.22 on eth0\n10.0.0.0/24          unicast [direct1 11:27:56.157] * (240)\n\tdev eth0\n';
    expect(parseBirdRoutes(text).get('198.51.100.1/32')).toEqual(['10.0.0.21', '10.0.0.22']);
    expect(parseBirdRoutes(text).get('10.0.0.0/24')).toEqual([]);
  });

  it('reads IPv6 routes', () => {
    const text = 'Table master6:\n2001:db8::c633:6401/128 unicast [bgp_rr_1_ipv6 11:28:01.197 from fd00::11] * (100) [i]\n\tvia fd00::21 on eth0 weight 1\n';
    expect(parseBirdRoutes(text).get('2001:db8::c633:6401/128')).toEqual(['fd00::21']);
  });
});

describe('configureBird', () => {
  it('accepts BIRD\'s 0003 Reconfigured', async () => {
    expect(await configureBird(replies([{ code: '0002', text: 'Reading configuration from /c/bird.conf' }, { code: '0003', text: 'Reconfigured' }]))).toEqual({ ok: true, detail: 'reconfigured' });
  });

  it('refuses a syntax error, quoting BIRD', async () => {
    const v = await configureBird(replies([{ code: '0002', text: 'Reading configuration from /c/bird.conf' }, { code: '8002', text: '/c/bird.conf:3:1 syntax error, unexpected GARBAGE' }]));
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/expected BIRD on \/s to reconfigure, got 0002-Reading configuration .*8002 \/c\/bird.conf:3:1 syntax error/s);
  });
});

describe('birdAnswers', () => {
  it('is true only for a BIRD that says it is up', async () => {
    expect(await birdAnswers(replies([{ code: '1000', text: 'BIRD 2.0.12' }, { code: '1011', text: 'Router ID is 10.0.0.1' }, { code: '0013', text: 'Daemon is up and running' }]))).toBe(true);
    expect(await birdAnswers(replies([{ code: '0013', text: 'Daemon is shutting down' }]))).toBe(false);
    expect(await birdAnswers(noBird)).toBe(false);
  });
});

describe('birdShow', () => {
  it('gives the reply\'s text as birdc prints it, which the parsers read', async () => {
    const text = await birdShow(replies([
      { code: '2002', text: 'Name       Proto      Table      State  Since         Info' },
      { code: '1002', text: 'bgp_rr_1_ipv4 BGP        ---        up     11:28:00.786  Established   ' },
      { code: '0000', text: '' },
    ]), 'show protocols');
    expect(parseBirdProtocols(text ?? '')).toEqual([{ name: 'bgp_rr_1_ipv4', proto: 'BGP', state: 'up', info: 'Established' }]);
  });

  it('is undefined when BIRD does not answer', async () => {
    expect(await birdShow(noBird, 'show protocols')).toBeUndefined();
  });
});
