// The MSS clamp's port with the real tools on the host's kernel: `tc`
// attaches the compiled program at the egress of a veth in a network
// namespace of the test's own, in a mount namespace with a bpffs of its own
// (tc pins the maps there), and `bpftool` writes and reads the maps.
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcMssClampPort, type MssClampPort } from '../../agent/drivers/bpf/mss-clamp-port.js';
import { processRunner } from '../../agent/drivers/kernel/runner.js';
import type { Runner } from '../../tiers/common/runner.js';
import { REPO } from '../helpers/site.js';

const NS = `tierlb-mss-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'tierlb-mss-port-'));
const mnt = join(dir, 'mnt');
let port: MssClampPort;

/** Every command of the port in the test's network and mount namespaces. */
const inNamespaces: Runner = (cmd, args, opts) => processRunner('nsenter', [`--net=/run/netns/${NS}`, `--mount=${mnt}`, '--', cmd, ...args], opts);

beforeAll(async () => {
  const built = await execa(process.execPath, [join(REPO, 'bpf', 'build.mjs')], { reject: false, all: true });
  if (built.exitCode !== 0) throw new Error(`bpf/build.mjs: ${built.all ?? ''}`);
  await execa('ip', ['netns', 'add', NS]);
  for (const args of [['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1'], ['link', 'set', 'd0', 'up'], ['link', 'set', 'd1', 'up'], ['address', 'add', '10.9.0.31/24', 'dev', 'd0']]) await execa('ip', ['-n', NS, ...args]);
  // A mount namespace kept by a bind of its file, so every nsenter finds the same bpffs.
  await execa('mount', ['--bind', dir, dir]);
  await execa('mount', ['--make-private', dir]);
  writeFileSync(mnt, '');
  await execa('unshare', [`--mount=${mnt}`, '--propagation', 'private', 'true']);
  await execa('nsenter', [`--mount=${mnt}`, '--', 'mount', '-t', 'bpf', 'bpf', '/sys/fs/bpf']);
  port = tcMssClampPort(inNamespaces);
}, 60000);

afterAll(async () => {
  await execa('ip', ['netns', 'delete', NS], { reject: false });
  await execa('umount', [mnt], { reject: false });
  await execa('umount', [dir], { reject: false });
});

describe('the MSS clamp port with tc and bpftool', () => {
  it('finds the compiled program and the device holding an address', async () => {
    expect('path' in port.object()).toBe(true);
    expect(await port.deviceOf('10.9.0.31')).toBe('d0');
    expect(await port.deviceOf('10.9.0.99')).toBeUndefined();
  });

  it('attaches the program at the egress of the device once, and sees it there', async () => {
    expect(await port.attached('d0')).toBe(false);
    const object = port.object();
    if (!('path' in object)) throw new Error(object.why);
    await port.attach('d0', object.path);
    expect(await port.attached('d0')).toBe(true);
    await port.attach('d0', object.path);
    const shown = await inNamespaces('tc', ['filter', 'show', 'dev', 'd0', 'egress']);
    expect(shown.stdout.match(/name tierlb_mss_clam/g)).toHaveLength(1);
  });

  it('writes VIPs and MSS in one batch and reads the VIPs back, then removes one', async () => {
    await port.write({ add: ['198.51.100.1', '2001:db8::c633:6401'], remove: [], mss: { ipv4: 1440, ipv6: 1400 } });
    expect(await port.readVips()).toEqual({ ipv4: ['198.51.100.1'], ipv6: ['2001:db8:0:0:0:0:c633:6401'] });
    await port.write({ add: [], remove: ['198.51.100.1'] });
    expect((await port.readVips()).ipv4).toEqual([]);
    const config = await inNamespaces('bpftool', ['-j', 'map', 'dump', 'pinned', '/sys/fs/bpf/tc/globals/tierlb_mss_config']);
    expect((JSON.parse(config.stdout) as { formatted: { value: number } }[]).map((e) => e.formatted.value)).toEqual([1440, 1400]);
  });

  it('reads the counts (none yet: nothing was sent)', async () => {
    expect(await port.stats()).toEqual({ seen: { ipv4: 0, ipv6: 0 }, clamped: { ipv4: 0, ipv6: 0 } });
  });
});
