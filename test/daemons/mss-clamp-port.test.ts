// The MSS clamp's port with the real tools on the host's kernel: `tc`
// attaches the compiled program at the egress of a veth in a network
// namespace of the test's own, in a mount namespace with a bpffs of its own
// (tc pins the maps there), and `bpftool` writes and reads the maps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcMssClampPort, type MssClampPort } from '../../agent/drivers/bpf/mss-clamp-port.js';
import { bpfNetns, type BpfNetns } from '../helpers/bpf-netns.js';

let netns: BpfNetns;
let port: MssClampPort;
let inNamespaces: BpfNetns['run'];

beforeAll(async () => {
  netns = await bpfNetns('tierlb-mss', '10.9.0.31');
  inNamespaces = netns.run;
  port = tcMssClampPort(inNamespaces);
}, 60000);

afterAll(async () => {
  await netns.remove();
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
