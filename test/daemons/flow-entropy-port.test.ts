// The flow-entropy port with the real tools on the host's kernel: `tc`
// attaches the compiled program at the egress of a veth in a network
// namespace of the test's own, in a mount namespace with a bpffs of its own
// (tc pins the maps there), and `bpftool` writes the tables and reads them.
// What the program does with packets is test/daemons/bpf-flow-entropy.test.ts
// (the host kernel has no IPIP to send real ones) and the lab's check.
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcFlowEntropyPort, type FlowEntropyPort } from '../../agent/drivers/bpf/flow-entropy-port.js';
import { processRunner } from '../../agent/drivers/kernel/runner.js';
import type { Runner } from '../../tiers/common/runner.js';
import { REPO } from '../helpers/site.js';

const NS = `tierlb-fe-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'tierlb-fe-port-'));
const mnt = join(dir, 'mnt');
const SOURCES = Array.from({ length: 32 }, (_, i) => `10.9.0.${64 + i}`);
let port: FlowEntropyPort;

/** Every command of the port in the test's network and mount namespaces. */
const inNamespaces: Runner = (cmd, args, opts) => processRunner('nsenter', [`--net=/run/netns/${NS}`, `--mount=${mnt}`, '--', cmd, ...args], opts);

beforeAll(async () => {
  const built = await execa(process.execPath, [join(REPO, 'bpf', 'build.mjs')], { reject: false, all: true });
  if (built.exitCode !== 0) throw new Error(`bpf/build.mjs: ${built.all ?? ''}`);
  await execa('ip', ['netns', 'add', NS]);
  for (const args of [['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1'], ['link', 'set', 'd0', 'up'], ['address', 'add', '10.9.0.21/24', 'dev', 'd0']]) await execa('ip', ['-n', NS, ...args]);
  // A mount namespace kept by a bind of its file, so every nsenter finds the same bpffs.
  await execa('mount', ['--bind', dir, dir]);
  await execa('mount', ['--make-private', dir]);
  writeFileSync(mnt, '');
  await execa('unshare', [`--mount=${mnt}`, '--propagation', 'private', 'true']);
  await execa('nsenter', [`--mount=${mnt}`, '--', 'mount', '-t', 'bpf', 'bpf', '/sys/fs/bpf']);
  port = tcFlowEntropyPort(inNamespaces);
}, 60000);

afterAll(async () => {
  await execa('ip', ['netns', 'delete', NS], { reject: false });
  await execa('umount', [mnt], { reject: false });
  await execa('umount', [dir], { reject: false });
});

interface ConfigEntry { readonly formatted: { readonly key: number; readonly value: { readonly count: number } } }

/** The count of each family's table, as the kernel holds it. */
async function counts(): Promise<number[]> {
  const r = await inNamespaces('bpftool', ['-j', 'map', 'dump', 'pinned', '/sys/fs/bpf/tc/globals/tierlb_fe_config']);
  return (JSON.parse(r.stdout) as ConfigEntry[]).map((e) => e.formatted.value.count);
}

describe('the flow-entropy port with tc and bpftool', () => {
  it('attaches the program at the egress of the device holding the node\'s address, once', async () => {
    expect(await port.deviceOf('10.9.0.21')).toBe('d0');
    expect(await port.attached('d0')).toBe(false);
    const object = port.object();
    if (!('path' in object)) throw new Error(object.why);
    await port.attach('d0', object.path);
    await port.attach('d0', object.path);
    expect(await port.attached('d0')).toBe(true);
    const shown = await inNamespaces('tc', ['filter', 'show', 'dev', 'd0', 'egress']);
    expect(shown.stdout.match(/name tierlb_flow_ent/g)).toHaveLength(1);
  });

  it('writes whole tables, sources before the count, and empties one again', async () => {
    await port.write([{ family: 'ipv4', own: '10.9.0.21', sources: SOURCES }, { family: 'ipv6', own: 'fd00::21', sources: ['fd00::1:40', 'fd00::1:41'] }]);
    expect(await counts()).toEqual([32, 2]);
    const last = await inNamespaces('bpftool', ['-j', 'map', 'lookup', 'pinned', '/sys/fs/bpf/tc/globals/tierlb_fe_sources4', 'key', '31', '0', '0', '0']);
    expect((JSON.parse(last.stdout) as { value: string[] }).value.map((b) => parseInt(b, 16))).toEqual([10, 9, 0, 95]);
    await port.write([{ family: 'ipv4', own: '10.9.0.21', sources: [] }]);
    expect(await counts()).toEqual([0, 2]);
  });

  it('reads the counts (none yet: nothing was sent)', async () => {
    expect(await port.stats()).toEqual({ seen: { ipv4: 0, ipv6: 0 }, rewritten: { ipv4: 0, ipv6: 0 } });
  });
});
