// The flow-entropy port as a kernel would keep it: which device has the
// program, what its pinned tables hold, and every write.
import type { Family } from '../../site/index.js';
import type { FlowEntropyPort, FlowEntropyStats, FlowEntropyTable } from '../../agent/drivers/bpf/flow-entropy-port.js';

export class FakeFlowEntropy implements FlowEntropyPort {
  built = true;
  /** address → device, as `ip address show` would say. */
  readonly devices = new Map<string, string>([['10.0.0.21', 'eth0'], ['fd00::21', 'eth0']]);
  readonly attachedTo = new Set<string>();
  readonly tables = new Map<Family, FlowEntropyTable>();
  readonly writes: (readonly FlowEntropyTable[])[] = [];
  attaches = 0;
  failWrites = 0;

  object(): { path: string } | { why: string } {
    return this.built ? { path: '/fake/flow-entropy.o' } : { why: 'the flow entropy program is not built: run npm run build:bpf' };
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

  async write(tables: readonly FlowEntropyTable[]): Promise<void> {
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new Error('bpftool: batch failed');
    }
    this.writes.push(tables);
    for (const t of tables) this.tables.set(t.family, t);
  }

  /** How many sources each family's table gives the program. */
  counts(): Record<Family, number> {
    return { ipv4: this.tables.get('ipv4')?.sources.length ?? 0, ipv6: this.tables.get('ipv6')?.sources.length ?? 0 };
  }

  async stats(): Promise<FlowEntropyStats> {
    return { seen: { ipv4: 0, ipv6: 0 }, rewritten: { ipv4: 0, ipv6: 0 } };
  }
}
