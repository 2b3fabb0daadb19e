import { describe, expect, it } from 'vitest';
import { formatStatus } from './status-table.js';

describe('formatStatus', () => {
  it('prints the plan beside the kernel per real server, aligned', () => {
    const text = formatStatus({
      node: 'l4-1', role: 'l4', site: 'example',
      maintenance: [{ file: '/etc/lb/disable', state: 'disabled', reason: 'kernel upgrade, alice' }],
      daemons: [{ name: 'gobgpd', pid: 42, restarts: 1 }],
      services: [{
        name: 'web', digest: 'ab12cd34ef56',
        vips: [{ vip: '198.51.100.1', announce: 'graceful-shutdown', reason: 'disabled by /etc/lb/disable' }],
        realServers: [
          { name: 'l7-1', address: '10.0.1.31', health: 'up', desiredWeight: 100, kernelWeight: 100, activeConns: 3, inactiveConns: 0 },
          { name: 'l7-2', address: '10.0.1.32', health: 'down (refused)', desiredWeight: 0, kernelWeight: null, activeConns: null, inactiveConns: null },
        ],
      }],
    });
    expect(text).toContain('/etc/lb/disable: disabled (kernel upgrade, alice)');
    expect(text).toContain('service web  table ab12cd34ef56');
    expect(text).toMatch(/^ {2}l7-2 +10\.0\.1\.32 +down \(refused\) +0 +- +- +-$/m);
    expect(text).toMatch(/^ {2}198\.51\.100\.1 +graceful-shutdown +disabled by \/etc\/lb\/disable$/m);
  });

  it('prints a router\'s BGP sessions and the next hops of each VIP', () => {
    const text = formatStatus({
      node: 'rt-1', role: 'router', site: 'example', maintenance: [],
      daemons: [{ name: 'bird', pid: 7, restarts: 0 }],
      sessions: [
        { peer: 'rr-1', address: '10.0.0.11', family: 'ipv4', state: 'established' },
        { peer: 'rr-2', address: '10.0.0.12', family: 'ipv4', state: 'active', info: 'Socket: Connection refused' },
      ],
      services: [{
        name: 'web', realServers: [],
        vips: [
          { vip: '198.51.100.1', announce: 'n/a', reason: 'ECMP over 2 L4 node(s)', nextHops: ['10.0.0.21', '10.0.0.22'] },
          { vip: '198.51.100.2', announce: 'n/a', reason: 'no route learned (ipv4)', nextHops: [] },
        ],
      }],
    });
    expect(text).toMatch(/^BGP sessions$/m);
    expect(text).toMatch(/^ {2}rr-2 +10\.0\.0\.12 +ipv4 +active +Socket: Connection refused$/m);
    expect(text).toMatch(/^ {2}VIP +ANNOUNCE +WHY +NEXT HOPS$/m);
    expect(text).toMatch(/^ {2}198\.51\.100\.1 +n\/a +ECMP over 2 L4 node\(s\) +10\.0\.0\.21 10\.0\.0\.22$/m);
    expect(text).toMatch(/^ {2}198\.51\.100\.2 +n\/a +no route learned \(ipv4\)$/m);
  });
});
