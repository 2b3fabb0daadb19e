// A fake kernel IPVS table for applier tests: it keeps state, applies ops as
// the kernel would (destinations appended), refuses what the kernel refuses
// (as ipvsadm -R and the netlink port do: the rest of the change set still
// goes in, the call reports the first refusal), and throws on what tierlb
// must never do. Services are found by their whole key, protocol included.
import type { IpvsOp } from '../../tiers/l4/diff.js';
import type { KernelService } from '../../tiers/l4/kernel.js';
import type { IpvsPort } from '../../tiers/l4/port.js';
import { describeService, keyOf, sameService, type ServiceKey } from '../../tiers/l4/service-key.js';

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
    const refused = ops.flatMap((op) => this.one(op) ?? []);
    return refused[0] === undefined ? { ok: true } : { ok: false, error: refused.join('; ') };
  }

  private find(key: ServiceKey): KernelService {
    const s = this.services.find((x) => sameService(x, key));
    if (!s) throw new Error(`fake kernel: no service ${describeService(key)}`);
    return s;
  }

  /** What the kernel refuses, as its error; nothing when the operation went in. */
  private one(op: IpvsOp): string | undefined {
    switch (op.op) {
      case 'add-service':
        this.services.push({ ...keyOf(op.service), scheduler: op.service.scheduler, flags: [...op.service.flags], destinations: [] });
        return undefined;
      case 'edit-service':
        Object.assign(this.find(keyOf(op.service)), { scheduler: op.service.scheduler, flags: [...op.service.flags] });
        return undefined;
      case 'delete-service':
        // IP_VS_SO_SET_DEL / IPVS_CMD_DEL_SERVICE on a key the kernel does not hold: ESRCH.
        if (!this.services.some((s) => sameService(s, op.key))) return `delete service ${describeService(op.key)}: No such process (ESRCH)`;
        this.services = this.services.filter((s) => !sameService(s, op.key));
        return undefined;
      case 'add-destination': {
        const s = this.find(op.key);
        if (s.destinations.some((d) => d.address === op.destination.address)) throw new Error(`fake kernel: destination exists: ${op.destination.address}`);
        (s.destinations as unknown[]).push({ address: op.destination.address, port: op.destination.port, forwarding: 'tunnel', weight: op.destination.weight, activeConns: 0, inactiveConns: 0 });
        return undefined;
      }
      case 'edit-destination': {
        const d = this.find(op.key).destinations.find((x) => x.address === op.destination.address);
        if (!d) throw new Error(`fake kernel: no destination ${op.destination.address}`);
        Object.assign(d, { weight: op.destination.weight, forwarding: 'tunnel' });
        return undefined;
      }
      case 'move-destination': {
        // The kernel's delete-then-add: the same destination, now the newest (last, oldest first).
        const s = this.find(op.key);
        const d = s.destinations.find((x) => x.address === op.destination.address);
        if (!d) throw new Error(`fake kernel: no destination ${op.destination.address} to move`);
        Object.assign(s, { destinations: [...s.destinations.filter((x) => x !== d), { ...d, weight: op.destination.weight, forwarding: 'tunnel' }] });
        return undefined;
      }
      case 'delete-destination': {
        const s = this.find(op.key);
        const d = s.destinations.find((x) => x.address === op.address);
        if (d && d.activeConns + d.inactiveConns > 0 && d.weight > 0) throw new Error(`fake kernel: deleting ${op.address} with live flows and weight ${d.weight}: drain it first`);
        Object.assign(s, { destinations: s.destinations.filter((x) => x.address !== op.address) });
        return undefined;
      }
    }
  }
}
