// The flow-entropy program on this L4 node, owned: attached at the egress of
// the device holding the node's own address (where its tunnelled packets
// leave) once the site gives the node tunnel sources, and its tables. It
// keeps what it last wrote and writes a family's table only when it
// changed; the first apply, and one after a failure, writes every table
// (the maps are pinned and may hold a former agent's). A plan that no
// longer wants it writes empty tables: the program then passes everything,
// and stays attached for the next edit. Not essential to serving: users'
// flows reach the L7 nodes without it, from one outer source; a failure is
// logged once, shown in status, and tried again.
import { isDeepStrictEqual } from 'node:util';
import type { Family, SiteNode } from '../../../site/index.js';
import { wantsFlowEntropy, type FlowEntropyPlan } from '../../../tiers/l4/flow-entropy.js';
import { HeldAttachment, nodeDevice } from '../../drivers/bpf/attach-at-node.js';
import type { FlowEntropyPort, FlowEntropyStats, FlowEntropyTable } from '../../drivers/bpf/flow-entropy-port.js';
import type { Logger } from '../../observe/log.js';

const FAMILIES = ['ipv4', 'ipv6'] as const;

interface Held {
  readonly device: string;
  /** Per family, what its table holds; undefined: unknown, written at the next apply. */
  readonly tables: Readonly<Partial<Record<Family, FlowEntropyTable>>>;
}

export type FlowEntropyResult = 'held' | 'not wanted' | 'retry' | 'unavailable';

export class FlowEntropyApplier {
  private held: Held | undefined;
  private problem: string | undefined;
  /** Whether this agent looked for a program a former one left attached. */
  private lookedForLeftover = false;
  private readonly attachment: HeldAttachment;

  constructor(private readonly port: FlowEntropyPort, private readonly log: Logger, now: () => number = Date.now) {
    this.attachment = new HeldAttachment(port, now);
  }

  status(plan: FlowEntropyPlan | undefined): string {
    const wanted = plan !== undefined && wantsFlowEntropy(plan);
    if (this.problem !== undefined) return `flow entropy: not applied: ${this.problem}; tunnelled packets carry the node's own address`;
    if (!wanted) return this.held ? 'flow entropy: off (the program passes everything)' : 'flow entropy: off (no tunnelSources for this node)';
    if (!this.held) return 'flow entropy: not applied yet';
    const counts = FAMILIES.filter((f) => plan[f]).map((f) => `${plan[f]?.sources.length ?? 0} ${f} sources`).join(', ');
    return `flow entropy: on ${this.held.device}, ${counts}`;
  }

  stats(): Promise<FlowEntropyStats | undefined> {
    return this.held ? this.port.stats() : Promise.resolve(undefined);
  }

  async apply(plan: FlowEntropyPlan, node: SiteNode): Promise<FlowEntropyResult> {
    if (!wantsFlowEntropy(plan) && !this.held && !(await this.leftover(node))) {
      this.problem = undefined;
      return 'not wanted';
    }
    try {
      const at = await this.attachment.ensure(node, this.held?.device);
      if (at.kind === 'unavailable') { this.failed(at.why); return 'unavailable'; }
      if (at.kind === 'failed') return this.failed(at.why);
      if (at.fresh || !this.held) {
        this.held = { device: at.device, tables: {} };
        this.log.info({ device: at.device }, `flow entropy program attached at the egress of ${at.device}`);
      }
      await this.write(plan, node, this.held);
      this.problem = undefined;
      return wantsFlowEntropy(plan) ? 'held' : 'not wanted';
    } catch (err) {
      return this.failed((err as Error).message);
    }
  }

  /**
   * A program a former agent left attached, with the tables it wrote: once
   * per agent, so that a site that took this node's sources away while no
   * agent ran still empties them.
   */
  private async leftover(node: SiteNode): Promise<boolean> {
    if (this.lookedForLeftover) return false;
    this.lookedForLeftover = true;
    try {
      const device = await nodeDevice(this.port, node);
      if (device === undefined || !(await this.port.attached(device))) return false;
      this.held = { device, tables: {} };
      return true;
    } catch {
      return false;
    }
  }

  private async write(plan: FlowEntropyPlan, node: SiteNode, held: Held): Promise<void> {
    const wanted = FAMILIES.map((family): FlowEntropyTable => {
      const table = plan[family];
      return table ? { family, own: table.own, sources: table.sources } : { family, own: node.addresses[family] ?? (family === 'ipv4' ? '0.0.0.0' : '::'), sources: [] };
    });
    const changed = wanted.filter((t) => !isDeepStrictEqual(held.tables[t.family], t));
    if (changed.length === 0) return;
    await this.port.write(changed);
    this.held = { device: held.device, tables: Object.fromEntries(wanted.map((t) => [t.family, t])) };
    this.log.info({ tables: changed.map((t) => ({ family: t.family, own: t.own, sources: t.sources.length })) }, 'flow entropy tables written');
  }

  private failed(why: string): 'retry' {
    if (this.problem !== why) this.log.warn({ why }, `flow entropy not applied: ${why}; tunnelled packets carry the node's own address`);
    this.problem = why;
    this.held = undefined;
    return 'retry';
  }
}
