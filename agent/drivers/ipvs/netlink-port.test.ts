import { describe, expect, it } from 'vitest';
import { loadSite } from '../../../test/helpers/site.js';
import { nodeNamed, type SiteNode } from '../../../site/index.js';
import { diffIpvs } from '../../../tiers/l4/diff.js';
import { planIpvs } from '../../../tiers/l4/plan.js';
import { keyOf } from '../../../tiers/l4/service-key.js';
import { kernelServicesOf, netlinkIpvsPort, netlinkOpsOf, schedulerFlagNames, toKernelServices } from './netlink-port.js';
import { errnoName, netlinkAvailable, type IpvsNetlink, type NetlinkOp, type NetlinkService } from './netlink-addon.js';

const site = loadSite();
const l4 = nodeNamed(site, 'l4-1') as SiteNode;

describe('netlinkOpsOf', () => {
  it('creates a new service without a scheduler, adds its destinations in plan order, then sets mh once', () => {
    const diff = diffIpvs(planIpvs(site, l4), []);
    const { ops, origin } = netlinkOpsOf(diff.ops);
    const first = diff.ops[0];
    if (first?.op !== 'add-service') throw new Error('expected the diff to start with add-service');
    const n = first.service.destinations.length;
    expect(ops[0]).toMatchObject({ kind: 'add-service', service: { address: first.service.vip, scheduler: 'none' } });
    expect(ops.slice(1, 1 + n).map((o) => o.kind === 'add-destination' && o.destination.address)).toEqual(first.service.destinations.map((d) => d.address));
    expect(ops[1 + n]).toEqual({ kind: 'edit-service', service: { protocol: 'tcp', address: first.service.vip, port: first.service.port, scheduler: 'mh', flags: 0x08 } });
    // One extra operation per new service, reported as that service's add.
    const services = diff.ops.filter((o) => o.op === 'add-service').length;
    expect(ops).toHaveLength(diff.ops.length + services);
    expect(origin[1 + n]).toBe(0);
    expect(origin).toHaveLength(ops.length);
  });

  it('keeps the scheduler of a new service that gets no destinations in the same change set', () => {
    const [svc] = planIpvs(site, l4).services;
    if (!svc) throw new Error('no service');
    const { ops } = netlinkOpsOf([{ op: 'add-service', service: svc }]);
    expect(ops).toEqual([{ kind: 'add-service', service: { protocol: 'tcp', address: svc.vip, port: svc.port, scheduler: 'mh', flags: 0x08 } }]);
  });

  it('sends mh flags as IP_VS_SVC_F_SCHED1/2 bits and destinations as ipip tunnels', () => {
    const svc = planIpvs(site, l4).services.find((s) => s.flags.includes('mh-port'));
    if (!svc) throw new Error('the example has an mh-port service');
    const d = svc.destinations[0];
    if (!d) throw new Error('no destination');
    const { ops } = netlinkOpsOf([
      { op: 'edit-service', service: { ...svc, flags: ['mh-fallback', 'mh-port'] } },
      { op: 'edit-destination', key: keyOf(svc), destination: { ...d, weight: 0 } },
    ]);
    expect(ops[0]).toMatchObject({ kind: 'edit-service', service: { flags: 0x18 } });
    expect(ops[1]).toMatchObject({ kind: 'edit-destination', destination: { weight: 0, forwarding: 'tunnel', tunType: 'ipip' } });
  });
});

describe('netlinkIpvsPort.apply', () => {
  it('sends a move as a delete and a re-add in the same call, and a plain delete in a call of its own', async () => {
    const calls: NetlinkOp[][] = [];
    const handle = { applyAll: async (ops: readonly NetlinkOp[]) => { calls.push([...ops]); return { failures: [] }; } } as unknown as IpvsNetlink;
    const [svc] = planIpvs(site, l4).services;
    const [a, b] = svc?.destinations ?? [];
    if (!svc || !a || !b) throw new Error('expected a service with two destinations');
    const key = keyOf(svc);
    const r = await netlinkIpvsPort(handle).apply([
      { op: 'add-destination', key, destination: { ...a, address: '10.0.1.99' as typeof a.address } },
      { op: 'move-destination', key, destination: { ...b, weight: 0 } },
      { op: 'delete-destination', key, address: '10.0.1.98', port: 80 },
    ]);
    expect(r).toEqual({ ok: true });
    expect(calls.map((c) => c.map((o) => `${o.kind} ${'destination' in o ? o.destination.address : ''}`))).toEqual([
      ['add-destination 10.0.1.99', `delete-destination ${b.address}`, `add-destination ${b.address}`],
      ['delete-destination 10.0.1.98'],
    ]);
    expect(calls[0]?.[2]).toMatchObject({ destination: { weight: 0, forwarding: 'tunnel', tunType: 'ipip' } });
  });
});

describe('netlinkOpsOf with services of other protocols', () => {
  it('the netlink op for deleting a UDP service has protocol udp', () => {
    expect(netlinkOpsOf([{ op: 'delete-service', key: { protocol: 'udp', vip: '198.51.100.9', port: 53 } }]).ops)
      .toEqual([{ kind: 'delete-service', service: { protocol: 'udp', address: '198.51.100.9', port: 53 } }]);
  });

  it('keys every operation on an SCTP service as sctp, IPv6 addresses as they are', () => {
    const [svc] = planIpvs(site, l4).services;
    const d = svc?.destinations[0];
    if (!d) throw new Error('expected a service with a destination');
    const key = { protocol: 'sctp', vip: '2001:db8::9', port: 38412 } as const;
    const { ops } = netlinkOpsOf([
      { op: 'add-destination', key, destination: d },
      { op: 'move-destination', key, destination: d },
      { op: 'delete-destination', key, address: '10.0.1.98', port: 80 },
      { op: 'delete-service', key },
    ]);
    expect(ops.map((o) => o.service)).toEqual(new Array(5).fill({ protocol: 'sctp', address: '2001:db8::9', port: 38412 }));
  });
});

describe('toKernelServices', () => {
  const stats = { conns: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0, cps: 0, inPps: 0, outPps: 0, inBps: 0, outBps: 0 };
  const dest = (address: string, weight: number) => ({
    family: 4 as const, address, port: 80, forwarding: 'tunnel' as const, weight, upperThreshold: 0, lowerThreshold: 0,
    activeConns: 1, inactiveConns: 2, persistentConns: 0, tunType: 'ipip' as const, tunPort: 0, tunFlags: 0, stats,
  });
  const service = (over: Partial<NetlinkService>): NetlinkService => ({
    family: 4, protocol: 'tcp', address: '198.51.100.1', port: 80, fwmark: 0, scheduler: 'mh', flags: 0x18, timeout: 0,
    netmask: 0xffffffff, pe: '', stats, destinations: [dest('10.0.1.32', 100), dest('10.0.1.31', 0)], ...over,
  });

  it('gives what parseIpvsList gives: ipvsadm flag names, oldest destination first, fwmark services left out', () => {
    expect(toKernelServices([service({}), service({ fwmark: 7, protocol: undefined, address: '' })])).toEqual([{
      protocol: 'tcp', vip: '198.51.100.1', port: 80, scheduler: 'mh', flags: ['mh-fallback', 'mh-port'],
      destinations: [
        { address: '10.0.1.31', port: 80, forwarding: 'tunnel', weight: 0, activeConns: 1, inactiveConns: 2 },
        { address: '10.0.1.32', port: 80, forwarding: 'tunnel', weight: 100, activeConns: 1, inactiveConns: 2 },
      ],
    }]);
  });

  it('keeps UDP and SCTP services as what they are', () => {
    const read = toKernelServices([service({ protocol: 'udp', port: 53, destinations: [] }), service({ protocol: 'sctp', destinations: [] }), service({ protocol: 99, destinations: [] })]);
    expect(read.map((k) => `${k.protocol} ${k.vip}:${k.port}`)).toEqual(['udp 198.51.100.1:53', 'sctp 198.51.100.1:80']);
  });

  it('names scheduler flags as ipvsadm does for mh, sh and the others', () => {
    expect(schedulerFlagNames('mh', 0x10)).toEqual(['mh-port']);
    expect(schedulerFlagNames('sh', 0x28)).toEqual(['sh-fallback', 'flag-3']);
    expect(schedulerFlagNames('rr', 0x18)).toEqual(['flag-1', 'flag-2']);
    expect(schedulerFlagNames('mh', 0x1)).toEqual([]);
  });
});

describe('the addon wrapper', () => {
  it('says how to build the addon when it is absent', () => {
    const a = netlinkAvailable();
    if (!a.ok) expect(a.reason).toMatch(/npm run build:native/);
    else expect(a.ok).toBe(true);
  });

  it('names errnos as the kernel headers do', () => {
    expect(errnoName(17)).toBe('EEXIST');
    expect(errnoName(2)).toBe('ENOENT');
    expect(errnoName(99999)).toBe('ERRNO_99999');
  });
});

describe('kernelServicesOf', () => {
  it('keeps UDP and SCTP services as what they are, and skips a protocol it does not know', () => {
    const stats = new Array<number>(10).fill(0);
    // family protocol port fwmark flags timeout netmask ndests stats[10]
    const svc = new Float64Array([4, 17, 53, 0, 0x2, 0, 0xffffffff, 0, ...stats, 4, 132, 38412, 0, 0x2, 0, 0xffffffff, 0, ...stats, 4, 99, 1, 0, 0x2, 0, 0xffffffff, 0, ...stats]);
    const columns = { svc, svcStr: ['198.51.100.9', 'rr', '', '198.51.100.9', 'rr', '', '198.51.100.9', 'rr', ''], dest: new Float64Array(0), destAddr: [] };
    expect(kernelServicesOf(columns).map((k) => `${k.protocol} ${k.vip}:${k.port}`)).toEqual(['udp 198.51.100.9:53', 'sctp 198.51.100.9:38412']);
  });


  it('reads the addon columns as toKernelServices reads the objects: oldest first, flag names, fwmark left out', () => {
    const stats = new Array<number>(10).fill(0);
    // family protocol port fwmark flags timeout netmask ndests stats[10]
    const svc = new Float64Array([4, 6, 80, 0, 0x1a, 0, 0xffffffff, 2, ...stats, 4, 0, 0, 42, 0x2, 0, 0xffffffff, 1, ...stats]);
    // family port connFlags weight u l active inact persist tunType tunPort tunFlags stats[10]
    const dest = new Float64Array([4, 80, 2, 100, 0, 0, 1, 2, 0, 0, 0, 0, ...stats, 4, 80, 2, 0, 0, 0, 3, 4, 0, 0, 0, 0, ...stats, 4, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, ...stats]);
    const columns = { svc, svcStr: ['198.51.100.1', 'mh', '', '', 'rr', ''], dest, destAddr: ['10.0.1.32', '10.0.1.31', '10.0.1.35'] };
    expect(kernelServicesOf(columns)).toEqual([{
      protocol: 'tcp', vip: '198.51.100.1', port: 80, scheduler: 'mh', flags: ['mh-fallback', 'mh-port'],
      destinations: [
        { address: '10.0.1.31', port: 80, forwarding: 'tunnel', weight: 0, activeConns: 3, inactiveConns: 4 },
        { address: '10.0.1.32', port: 80, forwarding: 'tunnel', weight: 100, activeConns: 1, inactiveConns: 2 },
      ],
    }]);
  });
});
