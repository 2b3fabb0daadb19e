import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../site/index.js';
import type { NetOp } from '../../tiers/common/files.js';
import { FakeKernel } from '../../test/fakes/kernel.js';
import { createLogger } from '../observe/log.js';
import { NetApplier, netDriftText } from './net-applier.js';

const vip = (a: string): NetOp => ({ kind: 'address', device: 'tierlb0', address: a as IpAddress, prefixLength: 32, why: 'VIP' });
const dummy: NetOp = { kind: 'link', name: 'tierlb0', type: 'dummy', why: 'VIPs' };
const up: NetOp = { kind: 'up', name: 'tierlb0' };
const rpFilter: NetOp = { kind: 'sysctl', key: 'net.ipv4.conf.all.rp_filter', value: '0', why: 'tunnelled packets' };
const OPS = [dummy, up, vip('198.51.100.1'), vip('198.51.100.2'), rpFilter];

function applier(k: FakeKernel, now = (): number => 1_700_000_000_000): NetApplier {
  return new NetApplier(k.runner, createLogger('l4-1', 'silent'), { essential: (op) => op.kind !== 'sysctl', permanent: () => false }, undefined, now);
}

describe('NetApplier', () => {
  it('leaves an unchanged set alone, without reading the kernel, unless a drift check is asked for', async () => {
    const k = new FakeKernel();
    const net = applier(k);
    await net.apply(OPS);
    const calls = k.calls.length;
    const writes = k.writes().length;
    const again = await net.apply(OPS);
    expect(k.calls.length).toBe(calls);
    expect(again).toEqual({ all: true, essential: true, failed: [], repaired: [] });
    const checked = await net.apply(OPS, { check: true });
    expect(k.calls.length).toBeGreaterThan(calls);
    expect(k.writes().length).toBe(writes);
    expect(checked.repaired).toEqual([]);
    expect(net.drift.checks).toBe(1);
    expect(k.violations).toEqual([]);
  });

  it('puts back what was undone outside it, by the minimal change, and counts each by kind', async () => {
    const k = new FakeKernel();
    const net = applier(k);
    await net.apply(OPS);
    const writesBefore = k.writes().length;
    // An operator's hand: a VIP deleted, the device set down, rp_filter written back.
    k.links.get('tierlb0')?.addresses.delete('198.51.100.2/32');
    const link = k.links.get('tierlb0');
    if (link) link.up = false;
    k.sysctls.set('net.ipv4.conf.all.rp_filter', '1');
    const r = await net.apply(OPS, { check: true });
    expect(r.repaired.map((x) => x.op)).toEqual([up, vip('198.51.100.2'), rpFilter]);
    expect(k.writes().slice(writesBefore)).toEqual([
      'sysctl -w net.ipv4.conf.all.rp_filter=0', 'ip link set tierlb0 up', 'ip address add 198.51.100.2/32 dev tierlb0',
    ]);
    expect(k.links.get('tierlb0')?.addresses.has('198.51.100.2/32')).toBe(true);
    expect(k.sysctls.get('net.ipv4.conf.all.rp_filter')).toBe('0');
    expect(Object.fromEntries(net.drift.repairs)).toEqual({ link: 1, address: 1, sysctl: 1 });
    expect(k.violations).toEqual([]);
  });

  it('counts nothing as drift when the set itself changed: that is the plan, not a hand', async () => {
    const k = new FakeKernel();
    const net = applier(k);
    await net.apply(OPS);
    const r = await net.apply([...OPS, vip('198.51.100.3')], { check: true });
    expect(r.repaired).toEqual([]);
    expect(net.drift.repairs.size).toBe(0);
    expect(net.drift.checks).toBe(0);
  });

  it('says in one line how often it checks, how many repairs of each kind, and the last', async () => {
    const k = new FakeKernel();
    const net = applier(k, () => Date.parse('2026-12-03T09:00:00Z'));
    await net.apply(OPS);
    expect(netDriftText(net.drift, 5000)).toBe('kernel state drift check every 5 s: 0 checks, 0 repairs');
    k.links.get('tierlb0')?.addresses.delete('198.51.100.1/32');
    await net.apply(OPS, { check: true });
    expect(netDriftText(net.drift, 5000)).toBe('kernel state drift check every 5 s: 1 checks, 1 repairs (address 1); last 2026-12-03T09:00:00.000Z: ip address add 198.51.100.1/32 dev tierlb0');
  });
});
