// The NetOps applier against a real kernel, in a network namespace each test
// creates and deletes. What this host's kernel cannot do is probed first and
// becomes the expected failed result: there is no ip_vs here (no
// net.ipv4.vs.* keys), no ipip module (no tunl0), and maybe no dummy driver;
// then tierlb0 is made a veth device beforehand, so the up and address parts
// still run against the kernel while the link op must report the mismatch.
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Site } from '../../site/index.js';
import { applyNetOps, type NetOpResult } from '../../agent/drivers/kernel/netops.js';
import { netnsRunner } from '../../agent/drivers/kernel/runner.js';
import type { NetOp } from '../../tiers/common/files.js';
import type { Runner } from '../../tiers/common/runner.js';
import { renderL4, VIP_DEVICE } from '../../tiers/l4/index.js';
import { l7NetOps } from '../../tiers/l7/index.js';
import { createNetns, type Netns } from '../helpers/netns.js';
import { exampleValue, loadSite, nodeOf, siteOf } from '../helpers/site.js';

const l4Ops = (site: Site): readonly NetOp[] => renderL4(site, nodeOf(site, 'l4-1')).netOps;

/** The addresses the kernel holds on a device, as `address/prefix`. */
async function addressesOn(ns: Netns, device: string): Promise<string[]> {
  const r = await ns.exec('ip', ['-j', 'address', 'show', 'dev', device]);
  const [link] = JSON.parse(r.stdout) as { addr_info: { local: string; prefixlen: number }[] }[];
  return (link?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`).sort();
}

/** Whether this kernel can make a link of `type` (the driver is built in or loadable). */
async function supports(ns: Netns, type: string): Promise<boolean> {
  const r = await execa('ip', ['-n', ns.name, 'link', 'add', 'tlbprobe', 'type', type], { reject: false });
  await execa('ip', ['-n', ns.name, 'link', 'del', 'tlbprobe'], { reject: false });
  return r.exitCode === 0;
}

async function hasSysctl(ns: Netns, key: string): Promise<boolean> {
  return (await ns.exec('sysctl', ['-n', key], { reject: false })).exitCode === 0;
}

const byKind = (results: readonly NetOpResult[], kind: NetOp['kind']): NetOpResult[] => results.filter((r) => r.op.kind === kind);
const vipsOf = (ops: readonly NetOp[]): string[] =>
  ops.flatMap((op) => (op.kind === 'address' ? [`${op.address}/${op.prefixLength}`] : [])).sort();

describe('applyNetOps in a network namespace', () => {
  let ns: Netns;
  let run: Runner;
  let dummy: boolean;
  let ipvs: boolean;

  beforeEach(async () => {
    ns = await createNetns('netops');
    run = netnsRunner(ns.name);
    dummy = await supports(ns, 'dummy');
    ipvs = await hasSysctl(ns, 'net.ipv4.vs.sloppy_tcp');
    if (!dummy) await execa('ip', ['-n', ns.name, 'link', 'add', VIP_DEVICE, 'type', 'veth', 'peer', 'name', `${VIP_DEVICE}p`]);
  });

  afterEach(async () => {
    await ns.remove();
  });

  it('puts every VIP of the L4 node on its device and reports the IPVS sysctls the kernel lacks as failed', async () => {
    const ops = l4Ops(loadSite());
    const results = await applyNetOps(run, ops);
    const [link] = byKind(results, 'link');
    expect(link?.status).toBe(dummy ? 'changed' : 'failed');
    if (!dummy) expect(link?.error).toBe(`link ${VIP_DEVICE}: expected type dummy, got veth; left as it is`);
    expect(byKind(results, 'up').map((r) => r.status)).toEqual(['changed']);
    expect(byKind(results, 'address').every((r) => r.status === 'changed')).toBe(true);
    const sysctls = byKind(results, 'sysctl');
    for (const r of sysctls.filter((x) => x.op.kind === 'sysctl' && x.op.key.startsWith('net.ipv4.vs.'))) {
      if (ipvs) expect(r.status).not.toBe('failed');
      else expect(r.error).toMatch(/^sysctl -n net\.ipv4\.vs\.\w+ exited \d+: sysctl: cannot stat/);
    }
    // Not an IPVS key: every kernel has it, so the check answers through the tunnel reach the L4 node.
    expect(sysctls.filter((x) => x.op.kind === 'sysctl' && x.op.key === 'net.ipv4.conf.all.accept_local').map((x) => x.status)).toEqual(['changed']);
    expect(await addressesOn(ns, VIP_DEVICE)).toEqual(expect.arrayContaining(vipsOf(ops)));
  });

  it('changes nothing when the same L4 ops are applied a second time', async () => {
    const ops = l4Ops(loadSite());
    const first = await applyNetOps(run, ops);
    const second = await applyNetOps(run, ops);
    expect(second.filter((r) => r.status === 'changed')).toEqual([]);
    const succeeded = first.map((r, i) => ({ first: r.status, second: second[i]?.status })).filter((p) => p.first !== 'failed');
    expect(succeeded.every((p) => p.second === 'ok')).toBe(true);
    expect(second.filter((r) => r.status === 'failed').length).toBe(first.filter((r) => r.status === 'failed').length);
  });

  it('deletes a VIP that left the site and keeps the others', async () => {
    const before = l4Ops(loadSite());
    const value = exampleValue() as { services: { name: string; vips: string[] }[] };
    for (const s of value.services) if (s.name === 'web') s.vips = s.vips.filter((v) => v !== '198.51.100.2');
    const after = l4Ops(siteOf(value));
    await applyNetOps(run, before);
    const results = await applyNetOps(run, after, before);
    const removed = results.filter((r) => r.action === 'remove');
    expect(removed.map((r) => [r.op.kind === 'address' && r.op.address, r.status])).toEqual([['198.51.100.2', 'changed']]);
    const held = await addressesOn(ns, VIP_DEVICE);
    expect(held).not.toContain('198.51.100.2/32');
    expect(held).toEqual(expect.arrayContaining(vipsOf(after)));
  });

  it('adds the L7 node\'s VIPs to lo and sets its sysctls even without the ipip module', async () => {
    const site = loadSite();
    const tunl0 = await supports(ns, 'ipip');
    const results = await applyNetOps(run, l7NetOps(site, nodeOf(site, 'l7-1')));
    const failed = results.filter((r) => r.status === 'failed').map((r) => (r.op.kind === 'sysctl' ? r.op.key : r.op.kind === 'up' ? r.op.name : ''));
    const tunnelParts = ['tunl0', 'ip6tnl0', 'net.ipv4.conf.tunl0.rp_filter'];
    if (tunl0) expect(failed.filter((f) => f !== 'ip6tnl0')).toEqual([]);
    else expect(failed).toEqual(expect.arrayContaining(['tunl0', 'net.ipv4.conf.tunl0.rp_filter']));
    expect(failed.every((f) => tunnelParts.includes(f))).toBe(true);
    expect(byKind(results, 'address').every((r) => r.status === 'changed')).toBe(true);
    expect(await addressesOn(ns, 'lo')).toEqual(expect.arrayContaining(vipsOf(l7NetOps(site, nodeOf(site, 'l7-1')))));
    expect((await ns.exec('sysctl', ['-n', 'net.ipv4.conf.all.arp_announce'])).stdout).toBe('2');
  });
});
