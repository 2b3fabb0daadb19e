import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../../site/index.js';
import { loadSite } from '../../../test/helpers/site.js';
import type { NetOp } from '../../../tiers/common/files.js';
import { planNetOps } from '../../../tiers/l4/sysctl.js';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyNetOps, netOpsSettled, procSysctl, type NetOpResult } from './netops.js';
import { FakeKernel, reply } from '../../../test/fakes/kernel.js';
import type { Runner } from '../../../tiers/common/runner.js';

const statuses = (results: readonly NetOpResult[]): string[] => results.map((r) => `${r.action} ${describe_(r.op)} ${r.status}`);
const describe_ = (op: NetOp): string => (op.kind === 'address' ? `${op.address}/${op.prefixLength}@${op.device}` : op.kind === 'sysctl' ? op.key : op.name);

const address = (device: string, a: string, prefixLength = a.includes(':') ? 128 : 32): NetOp =>
  ({ kind: 'address', device, address: a as IpAddress, prefixLength, why: 'test' });
const dummy: NetOp = { kind: 'link', name: 'tierlb0', type: 'dummy', why: 'test' };
const up: NetOp = { kind: 'up', name: 'tierlb0' };
const sysctl = (key: string, value: string): NetOp => ({ kind: 'sysctl', key, value, why: 'test' });

describe('applyNetOps', () => {
  it('creates the link, brings it up and adds the addresses on an empty kernel, in one ip batch', async () => {
    const k = new FakeKernel();
    const results = await applyNetOps(k.runner, [dummy, up, address('tierlb0', '198.51.100.1'), address('tierlb0', '2001:db8::c633:6401')]);
    expect(results.map((r) => r.status)).toEqual(['changed', 'changed', 'changed', 'changed']);
    // A batch line takes no option: the IPv6 address says the family.
    expect(k.writes()).toEqual([
      'ip link add tierlb0 type dummy',
      'ip link set tierlb0 up',
      'ip address add 198.51.100.1/32 dev tierlb0',
      'ip address add 2001:db8::c633:6401/128 dev tierlb0',
    ]);
    expect(k.violations).toEqual([]);
  });

  it('runs one command alone as itself, as an operator would type it', async () => {
    const k = new FakeKernel();
    k.links.set('tierlb0', { kind: 'dummy', up: true, addresses: new Set() });
    await applyNetOps(k.runner, [address('tierlb0', '2001:db8::c633:6401')]);
    expect(k.writes()).toEqual(['ip -6 address add 2001:db8::c633:6401/128 dev tierlb0']);
  });

  it('reports each failed line of a batch on its own op, the others changed', async () => {
    const k = new FakeKernel([]);
    const results = await applyNetOps(k.runner, [dummy, address('lo', '198.51.100.1'), address('tierlb9', '198.51.100.2')]);
    expect(statuses(results)).toEqual(['ensure tierlb0 failed', 'ensure 198.51.100.1/32@lo changed', 'ensure 198.51.100.2/32@tierlb9 failed']);
    expect(results[0]?.error).toBe('ip link add tierlb0 type dummy exited 1: Error: Unknown device type.');
    expect(results[2]?.error).toBe('ip address add 198.51.100.2/32 dev tierlb9 exited 1: Cannot find device "tierlb9"');
  });

  it('runs nothing but reads when the L4 plan is applied a second time', async () => {
    const k = new FakeKernel();
    for (const key of ['sloppy_tcp', 'pmtu_disc', 'expire_nodest_conn', 'expire_quiescent_template', 'schedule_icmp', 'conn_reuse_mode']) k.sysctls.set(`net.ipv4.vs.${key}`, '0');
    k.sysctls.set('net.ipv4.conf.all.accept_local', '0');
    const ops = planNetOps(loadSite());
    await applyNetOps(k.runner, ops);
    const before = k.writes().length;
    const second = await applyNetOps(k.runner, ops);
    expect(netOpsSettled(second)).toBe(true);
    expect(k.writes().length).toBe(before);
    expect(k.violations).toEqual([]);
  });

  it('leaves an address that is already on the device alone and reports it ok', async () => {
    const k = new FakeKernel();
    k.links.get('lo')?.addresses.add('198.51.100.1/32');
    const [r] = await applyNetOps(k.runner, [address('lo', '198.51.100.1')]);
    expect(r?.status).toBe('ok');
    expect(k.writes()).toEqual([]);
  });

  it('recognises an IPv6 address the op spells differently from the kernel', async () => {
    const k = new FakeKernel();
    k.links.get('lo')?.addresses.add('2001:db8::c633:6401/128');
    const [r] = await applyNetOps(k.runner, [address('lo', '2001:DB8:0::198.51.100.1')]);
    expect(r?.status).toBe('ok');
  });

  it('reports ok for a link that exists with the same type', async () => {
    const k = new FakeKernel();
    k.links.set('tierlb0', { kind: 'dummy', up: true, addresses: new Set() });
    expect(statuses(await applyNetOps(k.runner, [dummy, up]))).toEqual(['ensure tierlb0 ok', 'ensure tierlb0 ok']);
  });

  it('fails a link that exists with another type and leaves it untouched', async () => {
    const k = new FakeKernel();
    k.links.set('tierlb0', { kind: 'veth', up: false, addresses: new Set() });
    const [r] = await applyNetOps(k.runner, [dummy]);
    expect(r).toMatchObject({ status: 'failed', error: 'link tierlb0: expected type dummy, got veth; left as it is' });
    expect(k.writes()).toEqual([]);
  });

  it('fails a tunnel link whose mode differs from the op', async () => {
    const k = new FakeKernel(['ip6tnl']);
    k.links.set('t6', { kind: 'ip6tnl', mode: 'any', up: true, addresses: new Set() });
    const [r] = await applyNetOps(k.runner, [{ kind: 'link', name: 't6', type: 'ip6tnl', mode: 'ip6ip6', why: 'test' }]);
    expect(r?.error).toBe('link t6: expected mode ip6ip6, got any; left as it is');
  });

  it('writes a sysctl only when its value differs', async () => {
    const k = new FakeKernel();
    k.sysctls.set('net.ipv4.conf.all.arp_ignore', '1');
    const results = await applyNetOps(k.runner, [sysctl('net.ipv4.conf.all.arp_ignore', '1'), sysctl('net.ipv4.conf.all.rp_filter', '0')]);
    expect(results.map((r) => r.status)).toEqual(['ok', 'changed']);
    expect(k.writes()).toEqual(['sysctl -w net.ipv4.conf.all.rp_filter=0']);
  });

  it('compares a multi-value sysctl regardless of tabs and spaces', async () => {
    const k = new FakeKernel();
    k.sysctls.set('net.ipv4.tcp_rmem', '4096\t131072\t6291456');
    const [r] = await applyNetOps(k.runner, [sysctl('net.ipv4.tcp_rmem', '4096 131072 6291456')]);
    expect(r?.status).toBe('ok');
  });

  it('fails the IPVS sysctls of a kernel without ip_vs and still applies the link and the VIPs', async () => {
    const k = new FakeKernel();
    const results = await applyNetOps(k.runner, planNetOps(loadSite()));
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => describe_(r.op))).toEqual(expect.arrayContaining(['net.ipv4.vs.sloppy_tcp', 'net.ipv4.vs.conn_reuse_mode']));
    expect(failed.every((r) => r.op.kind === 'sysctl' && r.error?.includes('cannot stat'))).toBe(true);
    expect(k.links.get('tierlb0')?.addresses.size).toBe(8);
  });

  it('fails the up op of a missing tunl0 and still adds the VIPs to lo', async () => {
    const k = new FakeKernel();
    const results = await applyNetOps(k.runner, [{ kind: 'up', name: 'tunl0' }, address('lo', '198.51.100.1')]);
    expect(statuses(results)).toEqual(['ensure tunl0 failed', 'ensure 198.51.100.1/32@lo changed']);
    expect(results[0]?.error).toBe('ip link set tunl0 up exited 1: Cannot find device "tunl0"');
  });

  it('deletes an address of the previous ops that the desired ops no longer hold', async () => {
    const k = new FakeKernel();
    const previous = [address('lo', '198.51.100.1'), address('lo', '198.51.100.2')];
    await applyNetOps(k.runner, previous);
    const results = await applyNetOps(k.runner, [address('lo', '198.51.100.1')], previous);
    expect(statuses(results)).toEqual(['ensure 198.51.100.1/32@lo ok', 'remove 198.51.100.2/32@lo changed']);
    expect([...(k.links.get('lo')?.addresses ?? [])]).not.toContain('198.51.100.2/32');
    expect(k.violations).toEqual([]);
  });

  it('reports ok for a dropped address that is already gone', async () => {
    const k = new FakeKernel();
    const results = await applyNetOps(k.runner, [], [address('lo', '198.51.100.2')]);
    expect(statuses(results)).toEqual(['remove 198.51.100.2/32@lo ok']);
    expect(k.violations).toEqual([]);
  });

  it('keeps an address that only changed its prefix length instead of deleting it', async () => {
    const k = new FakeKernel();
    k.links.get('lo')?.addresses.add('198.51.100.1/32');
    await applyNetOps(k.runner, [address('lo', '198.51.100.1', 24)], [address('lo', '198.51.100.1')]);
    expect(k.writes()).toEqual(['ip address add 198.51.100.1/24 dev lo']);
  });

  it('never deletes an address that no op mentions', async () => {
    const k = new FakeKernel();
    k.links.get('lo')?.addresses.add('192.0.2.7/32');
    await applyNetOps(k.runner, [address('lo', '198.51.100.1')], [address('lo', '198.51.100.1')]);
    expect(k.links.get('lo')?.addresses.has('192.0.2.7/32')).toBe(true);
  });

  it('adds an address listed twice once and reports the repeat ok', async () => {
    const k = new FakeKernel();
    const results = await applyNetOps(k.runner, [address('lo', '198.51.100.1'), address('lo', '198.51.100.1')]);
    expect(results.map((r) => r.status)).toEqual(['changed', 'ok']);
    expect(k.violations).toEqual([]);
  });

  it('fails the link and address ops when the kernel cannot be read and still applies the sysctls', async () => {
    const k = new FakeKernel();
    const runner: Runner = (cmd, args, opts) => (args.includes('-j') ? Promise.resolve(reply(1, '', 'Object "address" is unknown')) : k.runner(cmd, args, opts));
    const results = await applyNetOps(runner, [address('lo', '198.51.100.1'), sysctl('net.ipv4.conf.all.rp_filter', '0')], [address('lo', '198.51.100.2')]);
    expect(statuses(results)).toEqual(['ensure 198.51.100.1/32@lo failed', 'ensure net.ipv4.conf.all.rp_filter changed', 'remove 198.51.100.2/32@lo failed']);
    expect(results[0]?.error).toBe('cannot read links and addresses: ip -d -j address show exited 1: Object "address" is unknown');
  });

  it('fails the read when ip prints something that is not its JSON listing', async () => {
    const runner: Runner = () => Promise.resolve(reply(0, 'lo: <LOOPBACK,UP>'));
    const [r] = await applyNetOps(runner, [address('lo', '198.51.100.1')]);
    expect(r?.error).toMatch(/^cannot read links and addresses: expected the JSON of ip -d -j address show, got SyntaxError/);
  });

  it('turns a runner that throws into a failed op instead of rejecting', async () => {
    const k = new FakeKernel();
    const runner: Runner = (cmd, args, opts) => (cmd === 'sysctl' ? Promise.reject(new Error('spawn sysctl ENOENT')) : k.runner(cmd, args, opts));
    const results = await applyNetOps(runner, [sysctl('net.ipv4.conf.all.rp_filter', '0'), address('lo', '198.51.100.1')]);
    expect(statuses(results)).toEqual(['ensure net.ipv4.conf.all.rp_filter failed', 'ensure 198.51.100.1/32@lo changed']);
    expect(results[0]?.error).toBe('sysctl -n net.ipv4.conf.all.rp_filter exited -1: spawn sysctl ENOENT');
  });
});

describe('procSysctl', () => {
  function procRoot(): string {
    const root = mkdtempSync(join(tmpdir(), 'tierlb-proc-sys-'));
    mkdirSync(join(root, 'net', 'ipv4', 'conf', 'all'), { recursive: true });
    writeFileSync(join(root, 'net', 'ipv4', 'conf', 'all', 'rp_filter'), '2\n');
    return root;
  }

  it('reads and writes the key\'s file under /proc/sys, running no program', async () => {
    const root = procRoot();
    const k = new FakeKernel();
    const results = await applyNetOps(k.runner, [sysctl('net.ipv4.conf.all.rp_filter', '0')], [], procSysctl(k.runner, root));
    expect(statuses(results)).toEqual(['ensure net.ipv4.conf.all.rp_filter changed']);
    expect(readFileSync(join(root, 'net', 'ipv4', 'conf', 'all', 'rp_filter'), 'utf8')).toBe('0');
    expect(k.calls).toEqual(['ip -d -j address show']);
    expect(statuses(await applyNetOps(k.runner, [sysctl('net.ipv4.conf.all.rp_filter', '0')], [], procSysctl(k.runner, root)))).toEqual(['ensure net.ipv4.conf.all.rp_filter ok']);
  });

  it('fails a key the kernel does not have, naming its file', async () => {
    const root = procRoot();
    const k = new FakeKernel();
    const [r] = await applyNetOps(k.runner, [sysctl('net.ipv4.vs.sloppy_tcp', '1')], [], procSysctl(k.runner, root));
    expect(r?.status).toBe('failed');
    expect(r?.error).toMatch(new RegExp(`^read ${root}/net/ipv4/vs/sloppy_tcp exited 1: .*ENOENT`));
  });

  it('leaves a key with a slash (a dot inside a name, to sysctl) to the sysctl program', async () => {
    const k = new FakeKernel();
    k.sysctls.set('net.ipv4.conf.eth0/100.rp_filter', '1');
    const [r] = await applyNetOps(k.runner, [sysctl('net.ipv4.conf.eth0/100.rp_filter', '1')], [], procSysctl(k.runner, procRoot()));
    expect(r?.status).toBe('ok');
    expect(k.calls).toContain('sysctl -n net.ipv4.conf.eth0/100.rp_filter');
  });
});

