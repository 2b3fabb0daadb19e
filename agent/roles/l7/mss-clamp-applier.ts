// The MSS clamp on this L7 node, owned: the program attached at the egress
// of the device holding the node's own address (where its answers to users
// leave), and its maps holding the VIPs this node serves and each family's
// MSS. It keeps what it last wrote and writes only the difference; the first
// apply, and one after a failure, reads the maps back (they are pinned, so
// an agent restart finds what the last one wrote). Not essential to serving:
// a failure is logged once, shown in status, and tried again.
import type { Family, SiteNode } from '../../../site/index.js';
import type { MssClampPlan } from '../../../tiers/l7/mss.js';
import { HeldAttachment } from '../../drivers/bpf/attach-at-node.js';
import type { MssClampPort, MssClampStats } from '../../drivers/bpf/mss-clamp-port.js';
import type { Logger } from '../../observe/log.js';

interface Held {
  readonly device: string;
  readonly vips: ReadonlySet<string>;
  readonly mss: Readonly<Record<Family, number>>;
}

const FAMILIES = ['ipv4', 'ipv6'] as const;

export class MssClampApplier {
  private held: Held | undefined;
  private problem: string | undefined;
  private readonly attachment: HeldAttachment;

  constructor(
    private readonly port: MssClampPort,
    private readonly log: Logger,
    /** The address text the maps give back for a VIP (drivers/bpf addressOf ∘ addressBytes). */
    private readonly expand: (address: string) => string,
    now: () => number = Date.now,
  ) {
    this.attachment = new HeldAttachment(port, now);
  }

  /** What status shows: the clamp's state in one line. */
  status(plan: MssClampPlan | undefined): string {
    if (this.problem !== undefined) return `MSS clamp: not applied: ${this.problem}`;
    if (!this.held || !plan) return 'MSS clamp: not applied yet';
    if (plan.mss.ipv4 === 0 && plan.mss.ipv6 === 0) return 'MSS clamp: off in the site file (the program passes everything)';
    return `MSS clamp: on ${this.held.device}, ${this.held.vips.size} VIPs, MSS ${plan.mss.ipv4} (IPv4) / ${plan.mss.ipv6} (IPv6)`;
  }

  stats(): Promise<MssClampStats | undefined> {
    return this.held ? this.port.stats() : Promise.resolve(undefined);
  }

  /**
   * 'held' when the node holds `plan`; 'retry' when it could not and another
   * try may do better; 'unavailable' when no try can (no compiled program:
   * building it needs a restart of the agent anyway).
   */
  async apply(plan: MssClampPlan, node: SiteNode): Promise<'held' | 'retry' | 'unavailable'> {
    try {
      const at = await this.attachment.ensure(node, this.held?.device);
      if (at.kind === 'unavailable') { this.failed(at.why); return 'unavailable'; }
      if (at.kind === 'failed') return this.failed(at.why);
      if (at.fresh || !this.held) {
        this.held = { device: at.device, ...(await this.readBack()) };
        this.log.info({ device: at.device }, `MSS clamp program attached at the egress of ${at.device}`);
      }
      await this.write(plan, this.held);
      this.problem = undefined;
      return 'held';
    } catch (err) {
      return this.failed((err as Error).message);
    }
  }

  private async readBack(): Promise<Omit<Held, 'device'>> {
    const vips = await this.port.readVips();
    // Unknown: written at the first apply whatever it holds.
    return { vips: new Set([...vips.ipv4, ...vips.ipv6]), mss: { ipv4: -1, ipv6: -1 } };
  }

  private async write(plan: MssClampPlan, held: Held): Promise<void> {
    const wanted = new Set(FAMILIES.flatMap((f) => plan.vips[f].map((v) => this.expand(v))));
    const add = [...wanted].filter((v) => !held.vips.has(v));
    const remove = [...held.vips].filter((v) => !wanted.has(v));
    const mss = Object.fromEntries(FAMILIES.filter((f) => held.mss[f] !== plan.mss[f]).map((f) => [f, plan.mss[f]]));
    if (add.length === 0 && remove.length === 0 && Object.keys(mss).length === 0) return;
    await this.port.write({ add, remove, mss });
    this.held = { device: held.device, vips: wanted, mss: plan.mss };
    this.log.info({ added: add, removed: remove, mss: plan.mss }, 'MSS clamp maps written');
  }

  private failed(why: string): 'retry' {
    if (this.problem !== why) this.log.warn({ why }, `MSS clamp not applied: ${why}; SYN-ACKs from VIPs offer the device's own MSS`);
    this.problem = why;
    this.held = undefined;
    return 'retry';
  }
}
