import { describe, expect, it } from 'vitest';
import { parseIpvsList } from './kernel.js';

const HEADER = [
  'IP Virtual Server version 1.2.1 (size=4096)',
  'Prot LocalAddress:Port Scheduler Flags',
  '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
];

describe('parseIpvsList', () => {
  it('reads services, flags and destinations oldest first', () => {
    const t = parseIpvsList([
      ...HEADER,
      'TCP  198.51.100.1:80 mh (mh-fallback,mh-port)',
      '  -> 10.0.1.32:80                 Tunnel  100    3          1',
      '  -> 10.0.1.31:80                 Tunnel  0      0          0',
      'TCP  [2001:db8::1]:443 mh',
      '  -> [2001:db8::31]:443           Tunnel  100    0          0',
    ].join('\n'));
    expect(t).toEqual([
      { protocol: 'tcp', vip: '198.51.100.1', port: 80, scheduler: 'mh', flags: ['mh-fallback', 'mh-port'], destinations: [
        { address: '10.0.1.31', port: 80, forwarding: 'tunnel', weight: 0, activeConns: 0, inactiveConns: 0 },
        { address: '10.0.1.32', port: 80, forwarding: 'tunnel', weight: 100, activeConns: 3, inactiveConns: 1 },
      ] },
      { protocol: 'tcp', vip: '2001:db8::1', port: 443, scheduler: 'mh', flags: [], destinations: [
        { address: '2001:db8::31', port: 443, forwarding: 'tunnel', weight: 100, activeConns: 0, inactiveConns: 0 },
      ] },
    ]);
  });

  it('does not give a firewall-mark service\'s destinations to the service before it', () => {
    const t = parseIpvsList([
      ...HEADER,
      'TCP  198.51.100.1:80 mh',
      '  -> 10.0.1.31:80                 Tunnel  100    0          0',
      'FWM  7 wlc',
      '  -> 10.0.9.9:0                   Route   1      0          0',
      '  -> 10.0.9.8:0                   Route   1      0          0',
      'FWM  8 IPv6 rr',
      '  -> [2001:db8::9]:0              Route   1      0          0',
      'TCP  198.51.100.2:80 mh',
      '  -> 10.0.1.32:80                 Tunnel  100    0          0',
    ].join('\n'));
    expect(t.map((s) => [s.vip, s.destinations.map((d) => d.address)])).toEqual([
      ['198.51.100.1', ['10.0.1.31']],
      ['198.51.100.2', ['10.0.1.32']],
    ]);
  });
});
