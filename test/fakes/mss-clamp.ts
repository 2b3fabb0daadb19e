// The MSS clamp port as a kernel would keep it: which device has the program,
// what the pinned maps hold, and every batch written.
import type { Family } from '../../site/index.js';
import { addressBytes, addressOf, type MssClampPort, type MssClampStats, type MssClampWrite } from '../../agent/drivers/bpf/mss-clamp-port.js';

export class FakeMssClamp implements MssClampPort {
  built = true;
  /** address → device, as `ip address show` would say. */
  readonly devices = new Map<string, string>([['10.0.1.31', 'eth0'], ['fd00:1::31', 'eth0']]);
  readonly attachedTo = new Set<string>();
  readonly vips = new Set<string>();
  mss: Record<Family, number> = { ipv4: 0, ipv6: 0 };
  readonly writes: MssClampWrite[] = [];
  attaches = 0;

  object(): { path: string } | { why: string } {
    return this.built ? { path: '/fake/mss-clamp.o' } : { why: 'the MSS clamp program is not built: run npm run build:bpf' };
  }

  async deviceOf(address: string): Promise<string | undefined> {
    return this.devices.get(address);
  }

  async attached(device: string): Promise<boolean> {
    return this.attachedTo.has(device);
  }

  async attach(device: string): Promise<void> {
    this.attaches++;
    this.attachedTo.add(device);
  }

  async readVips(): Promise<Record<Family, string[]>> {
    const all = [...this.vips];
    return { ipv4: all.filter((v) => !v.includes(':')), ipv6: all.filter((v) => v.includes(':')) };
  }

  async write(w: MssClampWrite): Promise<void> {
    this.writes.push(w);
    for (const v of w.remove) this.vips.delete(addressOf(addressBytes(v)));
    for (const v of w.add) this.vips.add(addressOf(addressBytes(v)));
    this.mss = { ...this.mss, ...w.mss };
  }

  async stats(): Promise<MssClampStats> {
    return { seen: { ipv4: 0, ipv6: 0 }, clamped: { ipv4: 0, ipv6: 0 } };
  }
}
