import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { nodeNamed, type SiteNode } from '../../site/index.js';
import { diffIpvs, opKey, type IpvsOp } from './diff.js';
import { parseIpvsList, type KernelService } from './kernel.js';
import { ipvsOpsText } from './ops-text.js';
import { planIpvs } from './plan.js';
import type { IpvsState } from './model.js';
import { describeService, keyOf, sameService } from './service-key.js';

const site = loadSite();
const l4 = nodeNamed(site, 'l4-1') as SiteNode;
const plan = (weights?: Map<string, number>): IpvsState => planIpvs(site, l4, weights);

/** The kernel as it would be after applying `state` from scratch. */
function kernelOf(state: IpvsState): KernelService[] {
  return state.services.map((s) => ({
    protocol: 'tcp', vip: s.vip, port: s.port, scheduler: 'mh', flags: [...s.flags],
    destinations: s.destinations.map((d) => ({ address: d.address, port: d.port, forwarding: 'tunnel' as const, weight: d.weight, activeConns: 0, inactiveConns: 0 })),
  }));
}

describe('diffIpvs', () => {
  it('adds every service and its destinations in Maglev order to an empty kernel', () => {
    const d = diffIpvs(plan(), []);
    const first = ipvsOpsText(d.ops).split('\n').slice(0, 5);
    expect(first).toEqual([
      '-A -t 198.51.100.1:80 -s mh -b mh-fallback',
      '-a -t 198.51.100.1:80 -r 10.0.1.31:80 -i -w 100',
      '-a -t 198.51.100.1:80 -r 10.0.1.32:80 -i -w 100',
      '-a -t 198.51.100.1:80 -r 10.0.1.33:80 -i -w 100',
      '-a -t 198.51.100.1:80 -r 10.0.1.34:80 -i -w 100',
    ]);
  });

  it('finds nothing to do when the kernel equals the plan', () => {
    expect(diffIpvs(plan(), kernelOf(plan()))).toEqual({ ops: [], orderDrift: [] });
  });

  it('drains an L7 node with a weight edit, never a delete', () => {
    const d = diffIpvs(plan(new Map([['l7-2', 0]])), kernelOf(plan()));
    expect(d.ops.every((o) => o.op === 'edit-destination')).toBe(true);
    expect(ipvsOpsText(d.ops)).toContain('-e -t 198.51.100.1:80 -r 10.0.1.32:80 -i -w 0');
    expect(d.ops).toHaveLength(plan().services.length);
  });

  it('restores a destination deleted by hand in its Maglev place, moving the ones after it behind it', () => {
    const kernel = kernelOf(plan()).map((s, i) => (i === 0 ? { ...s, destinations: s.destinations.filter((x) => x.address !== '10.0.1.32') } : s));
    const d = diffIpvs(plan(), kernel);
    expect(ipvsOpsText(d.ops)).toBe([
      '-a -t 198.51.100.1:80 -r 10.0.1.32:80 -i -w 100',
      '-d -t 198.51.100.1:80 -r 10.0.1.33:80',
      '-a -t 198.51.100.1:80 -r 10.0.1.33:80 -i -w 100',
      '-d -t 198.51.100.1:80 -r 10.0.1.34:80',
      '-a -t 198.51.100.1:80 -r 10.0.1.34:80 -i -w 100',
      '',
    ].join('\n'));
    expect(d.orderDrift).toHaveLength(1);
    expect(d.orderDrift[0]?.detail).toMatch(/10\.0\.1\.32 missing from the kernel belong\(s\) before 10\.0\.1\.33, 10\.0\.1\.34/);
  });

  it('moves only what follows the longest prefix already in Maglev order, with the planned weight', () => {
    const order = ['10.0.1.31', '10.0.1.33', '10.0.1.34', '10.0.1.32'];
    const kernel = kernelOf(plan()).map((s) => ({ ...s, destinations: order.map((a) => s.destinations.find((x) => x.address === a)).filter((x) => x !== undefined) }));
    const d = diffIpvs(plan(new Map([['l7-3', 0]])), kernel);
    const first = d.ops.filter((o) => sameService(opKey(o), { protocol: 'tcp', vip: '198.51.100.1', port: 80 }));
    // 31 and 32 are in order (33 and 34 between them move out); 33 and 34 move behind 32, 33 with its drained weight.
    expect(ipvsOpsText(first).trim().split('\n')).toEqual([
      '-d -t 198.51.100.1:80 -r 10.0.1.33:80',
      '-a -t 198.51.100.1:80 -r 10.0.1.33:80 -i -w 0',
      '-d -t 198.51.100.1:80 -r 10.0.1.34:80',
      '-a -t 198.51.100.1:80 -r 10.0.1.34:80 -i -w 100',
    ]);
    expect(d.orderDrift[0]?.detail).toMatch(/kernel order 10\.0\.1\.31, 10\.0\.1\.33, 10\.0\.1\.34, 10\.0\.1\.32 \(oldest first\) differs from the Maglev order 10\.0\.1\.31, 10\.0\.1\.32, 10\.0\.1\.33, 10\.0\.1\.34; restored by moving 10\.0\.1\.33, 10\.0\.1\.34/);
    // Every IPv4 service (the reordered kernel above has no IPv6 destinations: those are added, in order).
    expect(d.orderDrift).toHaveLength(plan().services.filter((sv) => sv.destinations.some((x) => x.address === '10.0.1.31')).length);
  });

  it('reports no drift when the missing destination belongs at the end', () => {
    const kernel = kernelOf(plan()).map((s) => ({ ...s, destinations: s.destinations.slice(0, 3) }));
    expect(diffIpvs(plan(), kernel).orderDrift).toEqual([]);
  });

  it('deletes services and destinations the plan no longer has, after every add and edit', () => {
    const kernel = [
      ...kernelOf(plan()).map((s, i) => (i === 0 ? { ...s, destinations: [...s.destinations, { address: '10.0.1.99', port: 80, forwarding: 'tunnel' as const, weight: 100, activeConns: 0, inactiveConns: 0 }] } : s)),
      { protocol: 'tcp' as const, vip: '192.0.2.9', port: 443, scheduler: 'rr', flags: [], destinations: [] },
    ].filter((_s, i) => i !== 1);
    const text = ipvsOpsText(diffIpvs(plan(), kernel).ops).trim().split('\n');
    expect(text[0]).toBe('-A -t 198.51.100.2:80 -s mh -b mh-fallback');
    expect(text.slice(-2)).toEqual(['-d -t 198.51.100.1:80 -r 10.0.1.99:80', '-D -t 192.0.2.9:443']);
  });

  it('edits a service whose scheduler flags differ', () => {
    const kernel = kernelOf(plan()).map((s) => ({ ...s, flags: [] }));
    const text = ipvsOpsText(diffIpvs(plan(), kernel).ops);
    expect(text).toContain('-E -t 198.51.100.3:80 -s mh -b mh-fallback,mh-port');
    expect(text).toContain('-E -t 198.51.100.1:80 -s mh -b mh-fallback');
  });

  it('a UDP service found in the kernel is deleted as UDP', () => {
    const kernel = [...kernelOf(plan()), { protocol: 'udp' as const, vip: '198.51.100.9', port: 53, scheduler: 'rr', flags: [], destinations: [] }];
    expect(ipvsOpsText(diffIpvs(plan(), kernel).ops)).toBe('-D -u 198.51.100.9:53\n');
  });

  it('a TCP and a UDP service on the same VIP:port are two services: the planned TCP one stays, the UDP one goes', () => {
    const [web] = kernelOf(plan());
    if (!web) throw new Error('expected a service');
    const d = diffIpvs(plan(), [...kernelOf(plan()), { ...web, protocol: 'udp' }]);
    expect(ipvsOpsText(d.ops)).toBe('-D -u 198.51.100.1:80\n');
    expect(d.orderDrift).toEqual([]);
  });

  it('applying the diff to its kernel is idempotent: the second diff is empty', () => {
    const after = kernelOf(plan(new Map([['l7-3', 0]])));
    expect(diffIpvs(plan(new Map([['l7-3', 0]])), after).ops).toEqual([]);
  });
});

describe('parseIpvsList', () => {
  const LISTING = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  198.51.100.3:8443 mh (mh-port)
  -> 10.0.1.34:8443               Tunnel  100    0          0
  -> 10.0.1.33:8443               Tunnel  0      7          2
TCP  [2001:db8::c633:6401]:80 mh
  -> [fd00:1::31]:80              Tunnel  100    1          0
`;
  it('reads services, flags, counters, and turns the newest-first list into added order', () => {
    expect(parseIpvsList(LISTING)).toEqual([
      { protocol: 'tcp', vip: '198.51.100.3', port: 8443, scheduler: 'mh', flags: ['mh-port'], destinations: [
        { address: '10.0.1.33', port: 8443, forwarding: 'tunnel', weight: 0, activeConns: 7, inactiveConns: 2 },
        { address: '10.0.1.34', port: 8443, forwarding: 'tunnel', weight: 100, activeConns: 0, inactiveConns: 0 },
      ] },
      { protocol: 'tcp', vip: '2001:db8::c633:6401', port: 80, scheduler: 'mh', flags: [], destinations: [
        { address: 'fd00:1::31', port: 80, forwarding: 'tunnel', weight: 100, activeConns: 1, inactiveConns: 0 },
      ] },
    ]);
  });
});

describe('ipvsOpsText', () => {
  const [svc] = plan().services;
  const dest = svc?.destinations[0];
  if (!svc || !dest) throw new Error('expected a service with a destination');
  const every = (key: { protocol: 'tcp' | 'udp' | 'sctp'; vip: string; port: number }): IpvsOp[] => [
    { op: 'add-destination', key, destination: dest },
    { op: 'edit-destination', key, destination: { ...dest, weight: 0 } },
    { op: 'move-destination', key, destination: dest },
    { op: 'delete-destination', key, address: 'fd00:1::31', port: 53 },
    { op: 'delete-service', key },
  ];

  it('names a UDP service with -u in every operation', () => {
    expect(ipvsOpsText(every({ protocol: 'udp', vip: '2001:db8::1', port: 53 })).trim().split('\n')).toEqual([
      '-a -u [2001:db8::1]:53 -r 10.0.1.31:80 -i -w 100',
      '-e -u [2001:db8::1]:53 -r 10.0.1.31:80 -i -w 0',
      '-d -u [2001:db8::1]:53 -r 10.0.1.31:80',
      '-a -u [2001:db8::1]:53 -r 10.0.1.31:80 -i -w 100',
      '-d -u [2001:db8::1]:53 -r [fd00:1::31]:53',
      '-D -u [2001:db8::1]:53',
    ]);
  });

  it('names an SCTP service with --sctp-service, which has no short option', () => {
    const lines = ipvsOpsText(every({ protocol: 'sctp', vip: '198.51.100.9', port: 38412 })).trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.every((l) => / --sctp-service 198\.51\.100\.9:38412( |$)/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe('-D --sctp-service 198.51.100.9:38412');
  });

  it('names a planned service with -t', () => {
    expect(ipvsOpsText([{ op: 'edit-service', service: svc }, { op: 'delete-service', key: keyOf(svc) }])).toBe('-E -t 198.51.100.1:80 -s mh -b mh-fallback\n-D -t 198.51.100.1:80\n');
  });
});

describe('service keys', () => {
  it('describes a service by protocol and host:port, IPv6 in brackets', () => {
    expect(describeService({ protocol: 'tcp', vip: '198.51.100.1', port: 80 })).toBe('tcp 198.51.100.1:80');
    expect(describeService({ protocol: 'udp', vip: '2001:db8::1', port: 53 })).toBe('udp [2001:db8::1]:53');
  });

  it('tells a TCP and a UDP service on the same VIP:port apart', () => {
    const tcp = { protocol: 'tcp', vip: '198.51.100.1', port: 80 } as const;
    expect(sameService(tcp, { ...tcp })).toBe(true);
    expect(sameService(tcp, { ...tcp, protocol: 'udp' })).toBe(false);
    expect(sameService(tcp, { ...tcp, port: 443 })).toBe(false);
  });
});
