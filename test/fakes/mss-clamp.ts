// The MSS clamp port as a kernel would keep it: which device has the program,
// what the pinned maps hold, and every batch written.
import type { Family } from '../../site/index.js';
import { FakeTcProgram } from './tc-program.js';
import { addressBytes, addressOf, type MssClampPort, type MssClampStats, type MssClampWrite } from '../../agent/drivers/bpf/mss-clamp-port.js';

export class FakeMssClamp extends FakeTcProgram implements MssClampPort {
  readonly vips = new Set<string>();
  mss: Record<Family, number> = { ipv4: 0, ipv6: 0 };
  readonly writes: MssClampWrite[] = [];

  constructor() {
    super('mss-clamp.o', 'MSS clamp', new Map([['10.0.1.31', 'eth0'], ['fd00:1::31', 'eth0']]));
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
