// Replies of the installed BIRD 2.0.12, captured from the netns lab.
import { describe, expect, it } from 'vitest';
import type { Runner } from '../../tiers/common/runner.js';
import { birdAnswers, configureBird, parseBirdProtocols, parseBirdRoutes } from './bgp-bird.js';

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

const reply = (exitCode: number, stdout: string): Runner => async () => ({ exitCode, stdout, stderr: '' });

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
  it('accepts "Reconfigured"', async () => {
    expect(await configureBird(reply(0, 'BIRD 2.0.12 ready.\nReading configuration from /c/bird.conf\nReconfigured\n'), '/s')).toEqual({ ok: true, detail: 'Reconfigured' });
  });

  it('refuses a syntax error although birdc exits 0', async () => {
    const v = await configureBird(reply(0, 'BIRD 2.0.12 ready.\nReading configuration from /c/bird.conf\n/c/bird.conf:3:1 syntax error, unexpected GARBAGE\n'), '/s');
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/expected BIRD to reconfigure: birdc -s \/s configure exited 0: .*syntax error/s);
  });
});

describe('birdAnswers', () => {
  it('is true only for a BIRD that says it is up', async () => {
    expect(await birdAnswers(reply(0, 'BIRD 2.0.12 ready.\nBIRD 2.0.12\nRouter ID is 10.0.0.1\nDaemon is up and running\n'), '/s')).toBe(true);
    expect(await birdAnswers(reply(0, 'BIRD 2.0.12 ready.\nDaemon is shutting down\n'), '/s')).toBe(false);
    expect(await birdAnswers(reply(1, 'Unable to connect to server control socket'), '/s')).toBe(false);
  });
});
