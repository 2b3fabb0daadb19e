// What differs between the kernel's IPVS table and the table the agent last
// verified, in words an SRE can act on, per service: a destination deleted
// by hand, a weight edited by hand, a service added or lost. The repair is
// applyIpvs's minimal diff, which also moves destinations back into Maglev
// order (tiers/l4/diff.ts). Pure.
import { diffIpvs } from '../../../tiers/l4/diff.js';
import { endpoint, type IpvsService, type IpvsState } from '../../../tiers/l4/index.js';
import { kernelEndpoint, type KernelService } from '../../../tiers/l4/kernel.js';
import { describeService, keyOf, type ServiceKey } from '../../../tiers/l4/service-key.js';

/** The metric label of a kernel service that no planned service owns. */
export const UNPLANNED = 'unplanned';

export interface DriftLine {
  readonly service: string;
  readonly key: ServiceKey;
  readonly text: string;
  /** Only the destination's place in the kernel's order differs (weight and forwarding are as planned). */
  readonly order?: true;
}

export function describeDrift(expected: IpvsState, kernel: readonly KernelService[]): DriftLine[] {
  const planned = new Map<string, IpvsService>(expected.services.map((s) => [describeService(s), s]));
  const have = new Map(kernel.map((k) => [describeService(k), k]));
  const missing = new Set<string>();
  const out: DriftLine[] = [];
  const line = (key: ServiceKey, text: string, order?: true): void => {
    out.push({ service: planned.get(describeService(key))?.service ?? UNPLANNED, key, text, ...(order ? { order } : {}) });
  };
  const destinationIn = (key: ServiceKey, address: string, port: number) =>
    have.get(describeService(key))?.destinations.find((x) => x.address === address && x.port === port);
  for (const op of diffIpvs(expected, kernel).ops) {
    switch (op.op) {
      case 'add-service': {
        const key = keyOf(op.service);
        missing.add(describeService(key));
        line(key, `service ${describeService(key)} missing from the kernel`);
        break;
      }
      case 'edit-service': {
        const key = keyOf(op.service);
        const k = have.get(describeService(key));
        line(key, `service ${describeService(key)}: kernel has scheduler ${k?.scheduler ?? '?'} flags [${k?.flags.join(',') ?? ''}], plan ${op.service.scheduler} [${op.service.flags.join(',')}]`);
        break;
      }
      case 'delete-service':
        line(op.key, `service ${describeService(op.key)} in the kernel but not in the plan`);
        break;
      case 'add-destination':
        if (!missing.has(describeService(op.key))) line(op.key, `${describeService(op.key)}: real server ${op.destination.node} ${endpoint(op.destination.address, op.destination.port)} missing from the kernel (plan: weight ${op.destination.weight})`);
        break;
      case 'edit-destination': {
        const d = destinationIn(op.key, op.destination.address, op.destination.port);
        line(op.key, `${describeService(op.key)}: real server ${op.destination.node} ${endpoint(op.destination.address, op.destination.port)} has ${d?.forwarding ?? '?'} weight ${d?.weight ?? '?'} in the kernel, plan tunnel weight ${op.destination.weight}`);
        break;
      }
      case 'delete-destination':
        line(op.key, `${describeService(op.key)}: ${kernelEndpoint(op.address, op.port)} in the kernel but not in the plan`);
        break;
      case 'move-destination': {
        const d = destinationIn(op.key, op.destination.address, op.destination.port);
        const weight = d && d.weight !== op.destination.weight ? `, and has weight ${d.weight} in the kernel, plan ${op.destination.weight}` : '';
        line(op.key, `${describeService(op.key)}: real server ${op.destination.node} ${endpoint(op.destination.address, op.destination.port)} out of Maglev order in the kernel${weight}`, weight === '' ? true : undefined);
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
