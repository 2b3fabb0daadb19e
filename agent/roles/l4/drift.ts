// What differs between the kernel's IPVS table and the table the agent last
// verified, in words an SRE can act on, per service: a destination deleted
// by hand, a weight edited by hand, a service added or lost. The repair is
// applyIpvs's minimal diff, which also moves destinations back into Maglev
// order (tiers/l4/diff.ts). Pure.
import { diffIpvs } from '../../../tiers/l4/diff.js';
import { endpoint, type IpvsService, type IpvsState } from '../../../tiers/l4/index.js';
import { kernelEndpoint, type KernelService } from '../../../tiers/l4/kernel.js';

/** The metric label of a kernel service that no planned service owns. */
export const UNPLANNED = 'unplanned';

export interface DriftLine {
  readonly service: string;
  readonly target: string;
  readonly text: string;
  /** Only the destination's place in the kernel's order differs (weight and forwarding are as planned). */
  readonly order?: true;
}

export function describeDrift(expected: IpvsState, kernel: readonly KernelService[]): DriftLine[] {
  const byTarget = new Map<string, IpvsService>(expected.services.map((s) => [endpoint(s.vip, s.port), s]));
  const have = new Map(kernel.map((k) => [kernelEndpoint(k.vip, k.port), k]));
  const missing = new Set<string>();
  const out: DriftLine[] = [];
  const line = (target: string, text: string): void => { out.push({ service: byTarget.get(target)?.service ?? UNPLANNED, target, text }); };
  for (const op of diffIpvs(expected, kernel).ops) {
    switch (op.op) {
      case 'add-service': {
        const target = endpoint(op.service.vip, op.service.port);
        missing.add(target);
        line(target, `service ${target} missing from the kernel`);
        break;
      }
      case 'edit-service': {
        const target = endpoint(op.service.vip, op.service.port);
        const k = have.get(target);
        line(target, `service ${target}: kernel has scheduler ${k?.scheduler ?? '?'} flags [${k?.flags.join(',') ?? ''}], plan ${op.service.scheduler} [${op.service.flags.join(',')}]`);
        break;
      }
      case 'delete-service':
        line(op.target, `service ${op.target} in the kernel but not in the plan`);
        break;
      case 'add-destination':
        if (!missing.has(op.target)) line(op.target, `${op.target}: real server ${op.destination.node} ${endpoint(op.destination.address, op.destination.port)} missing from the kernel (plan: weight ${op.destination.weight})`);
        break;
      case 'edit-destination': {
        const d = have.get(op.target)?.destinations.find((x) => x.address === op.destination.address && x.port === op.destination.port);
        line(op.target, `${op.target}: real server ${op.destination.node} ${endpoint(op.destination.address, op.destination.port)} has ${d?.forwarding ?? '?'} weight ${d?.weight ?? '?'} in the kernel, plan tunnel weight ${op.destination.weight}`);
        break;
      }
      case 'delete-destination':
        line(op.target, `${op.target}: ${kernelEndpoint(op.address, op.port)} in the kernel but not in the plan`);
        break;
      case 'move-destination': {
        const d = have.get(op.target)?.destinations.find((x) => x.address === op.destination.address && x.port === op.destination.port);
        const weight = d && d.weight !== op.destination.weight ? `, and has weight ${d.weight} in the kernel, plan ${op.destination.weight}` : '';
        out.push({ service: byTarget.get(op.target)?.service ?? UNPLANNED, target: op.target, ...(weight === '' ? { order: true as const } : {}),
          text: `${op.target}: real server ${op.destination.node} ${endpoint(op.destination.address, op.destination.port)} out of Maglev order in the kernel${weight}` });
        break;
      }
    }
  }
  return out;
}

/** The lines grouped by service, in the order found. */
export function driftByService(lines: readonly DriftLine[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of lines) out.set(l.service, [...(out.get(l.service) ?? []), l.text]);
  return out;
}
