// The firewall-mark services that steer checks through the tunnel
// (tiers/l4/tunnel-checks.ts), owned: the applier keeps what it last saw the
// kernel hold, changes only what differs from the plan, and says which L7
// nodes can be checked. It touches only marks of the site's range, and the
// IPVS applier reads address services only, so the two never meet.
import { diffTunnelCheckServices, type KernelCheckService, type TunnelCheckOp, type TunnelCheckService } from '../../../tiers/l4/tunnel-checks.js';
import type { Logger } from '../../observe/log.js';

export interface CheckServicesPort {
  /** The kernel's firewall-mark services that `isOurs` accepts, each with its one real server. */
  read(isOurs: (mark: number) => boolean): Promise<KernelCheckService[]>;
  apply(ops: readonly TunnelCheckOp[]): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: string }>;
}

export class CheckServicesApplier {
  private held: readonly KernelCheckService[] | undefined;
  private nodes = new Set<string>();
  private error: string | undefined;

  constructor(private readonly port: CheckServicesPort, private readonly log: Logger) {}

  /** L7 nodes whose check services the kernel holds as planned: only their checks through the tunnel mean anything. */
  get steered(): ReadonlySet<string> {
    return this.nodes;
  }

  get problem(): string | undefined {
    return this.error;
  }

  /** Makes the kernel hold `desired`; true when it changed something. */
  async apply(desired: readonly TunnelCheckService[], isOurs: (mark: number) => boolean): Promise<boolean> {
    try {
      const kernel = this.held ?? (await this.port.read(isOurs));
      const ops = diffTunnelCheckServices(kernel, desired);
      if (ops.length === 0) return this.took(desired, false);
      const r = await this.port.apply(ops);
      if (!r.ok) return this.failed(r.error);
      this.log.info({ changes: ops.map(describeOp) }, `check services through the tunnel: ${ops.length} change(s)`);
      return this.took(desired, true);
    } catch (err) {
      return this.failed((err as Error).message);
    }
  }

  /** Reads the kernel at the next apply (a drift check, or after a failure). */
  forget(): void {
    this.held = undefined;
  }

  private took(desired: readonly TunnelCheckService[], changed: boolean): boolean {
    this.held = desired.map(({ mark, family, address }) => ({ mark, family, address }));
    this.nodes = new Set(desired.map((s) => s.l7));
    this.error = undefined;
    return changed;
  }

  private failed(error: string): boolean {
    if (this.error !== error) this.log.error({ error }, 'check services through the tunnel not applied; those checks are not counted until they are');
    this.error = error;
    this.held = undefined;
    this.nodes = new Set();
    return false;
  }
}

function describeOp(op: TunnelCheckOp): string {
  const s = op.service;
  return `${op.kind} fwmark ${s.mark}${s.family === 'ipv6' ? ' (IPv6)' : ''} -> ${s.address}`;
}
