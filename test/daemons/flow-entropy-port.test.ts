// The flow-entropy port with the real tools on the host's kernel: `tc`
// attaches the compiled program at the egress of a veth in a network
// namespace of the test's own, in a mount namespace with a bpffs of its own
// (tc pins the maps there), and `bpftool` writes the tables and reads them.
// What the program does with packets is test/daemons/bpf-flow-entropy.test.ts
// (the host kernel has no IPIP to send real ones) and the lab's check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcFlowEntropyPort, type FlowEntropyPort } from '../../agent/drivers/bpf/flow-entropy-port.js';
import { bpfNetns, type BpfNetns } from '../helpers/bpf-netns.js';

const SOURCES = Array.from({ length: 32 }, (_, i) => `10.9.0.${64 + i}`);
let netns: BpfNetns;
let port: FlowEntropyPort;
let inNamespaces: BpfNetns['run'];

beforeAll(async () => {
  netns = await bpfNetns('tierlb-fe', '10.9.0.21');
  inNamespaces = netns.run;
  port = tcFlowEntropyPort(inNamespaces);
}, 60000);

afterAll(async () => {
  await netns.remove();
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
