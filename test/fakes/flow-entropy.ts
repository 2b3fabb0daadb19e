// The flow-entropy port as a kernel would keep it: which device has the
// program, what its pinned tables hold, and every write.
import type { Family } from '../../site/index.js';
import { FakeTcProgram } from './tc-program.js';
import type { FlowEntropyPort, FlowEntropyStats, FlowEntropyTable } from '../../agent/drivers/bpf/flow-entropy-port.js';

export class FakeFlowEntropy extends FakeTcProgram implements FlowEntropyPort {
  readonly tables = new Map<Family, FlowEntropyTable>();
  readonly writes: (readonly FlowEntropyTable[])[] = [];
  failWrites = 0;

  constructor() {
    super('flow-entropy.o', 'flow entropy', new Map([['10.0.0.21', 'eth0'], ['fd00::21', 'eth0']]));
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
