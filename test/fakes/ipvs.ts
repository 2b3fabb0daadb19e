// A fake kernel IPVS table for applier tests: it keeps state, applies ops as
// the kernel would (destinations appended), and fails on what the kernel
// refuses or what tierlb must never do.
import type { IpvsOp } from '../../tiers/l4/diff.js';
import { kernelEndpoint, type KernelService } from '../../tiers/l4/kernel.js';
import type { IpvsPort } from '../../tiers/l4/port.js';

export class FakeIpvs implements IpvsPort {
  services: KernelService[] = [];
  readonly batches: IpvsOp[][] = [];
  failNext: string | undefined;

  async read(): Promise<KernelService[]> {
    return structuredClone(this.services);
  }

  async apply(ops: readonly IpvsOp[]): Promise<{ ok: true } | { ok: false; error: string }> {
    if (this.failNext) { const error = this.failNext; this.failNext = undefined; return { ok: false, error }; }
    this.batches.push([...ops]);
    for (const op of ops) this.one(op);
    return { ok: true };
  }

  private find(target: string): KernelService {
    const s = this.services.find((x) => kernelEndpoint(x.vip, x.port) === target);
    if (!s) throw new Error(`fake kernel: no service ${target}`);
    return s;
  }

  private one(op: IpvsOp): void {
    switch (op.op) {
      case 'add-service':
        this.services.push({ protocol: 'tcp', vip: op.service.vip, port: op.service.port, scheduler: op.service.scheduler, flags: [...op.service.flags], destinations: [] });
        return;
      case 'edit-service':
        Object.assign(this.find(kernelEndpoint(op.service.vip, op.service.port)), { scheduler: op.service.scheduler, flags: [...op.service.flags] });
        return;
      case 'delete-service':
        this.services = this.services.filter((s) => kernelEndpoint(s.vip, s.port) !== op.target);
        return;
      case 'add-destination': {
        const s = this.find(op.target);
        if (s.destinations.some((d) => d.address === op.destination.address)) throw new Error(`fake kernel: destination exists: ${op.destination.address}`);
        (s.destinations as unknown[]).push({ address: op.destination.address, port: op.destination.port, forwarding: 'tunnel', weight: op.destination.weight, activeConns: 0, inactiveConns: 0 });
        return;
      }
      case 'edit-destination': {
        const d = this.find(op.target).destinations.find((x) => x.address === op.destination.address);
        if (!d) throw new Error(`fake kernel: no destination ${op.destination.address}`);
        Object.assign(d, { weight: op.destination.weight, forwarding: 'tunnel' });
        return;
      }
      case 'move-destination': {
        // The kernel's delete-then-add: the same destination, now the newest (last, oldest first).
        const s = this.find(op.target);
        const d = s.destinations.find((x) => x.address === op.destination.address);
        if (!d) throw new Error(`fake kernel: no destination ${op.destination.address} to move`);
        Object.assign(s, { destinations: [...s.destinations.filter((x) => x !== d), { ...d, weight: op.destination.weight, forwarding: 'tunnel' }] });
        return;
      }
      case 'delete-destination': {
        const s = this.find(op.target);
        const d = s.destinations.find((x) => x.address === op.address);
        if (d && d.activeConns + d.inactiveConns > 0 && d.weight > 0) throw new Error(`fake kernel: deleting ${op.address} with live flows and weight ${d.weight}: drain it first`);
        Object.assign(s, { destinations: s.destinations.filter((x) => x.address !== op.address) });
        return;
      }
    }
  }
}
