// The check services' port over the IPVS netlink addon: a firewall-mark
// service per L7 node and family with its one real server, in tunnel mode
// (IPIP, ip6ip6 for IPv6), weight 1. Scheduled by mh, the module every L4
// node has loaded for its own services: with one real server any scheduler
// picks the same, and another would be one more module to load (the kernel
// answers ENOENT for a scheduler it cannot load).
import type { Family } from '../../../site/index.js';
import type { KernelCheckService, TunnelCheckOp } from '../../../tiers/l4/tunnel-checks.js';
import type { CheckServicesPort } from '../../roles/l4/check-services-applier.js';
import type { IpvsNetlink, NetlinkOp, NetlinkService } from './netlink-addon.js';

const familyNumber = (f: Family): 4 | 6 => (f === 'ipv6' ? 6 : 4);

export function netlinkCheckServicesPort(handle: IpvsNetlink): CheckServicesPort {
  return {
    async read(isOurs) {
      return (await handle.list()).flatMap((s) => checkServiceOf(s, isOurs));
    },
    async apply(ops) {
      const r = await handle.applyAll(ops.flatMap(netlinkOpsOf));
      const first = r.failures[0];
      return first ? { ok: false, error: first.message } : { ok: true };
    },
  };
}

function checkServiceOf(s: NetlinkService, isOurs: (mark: number) => boolean): KernelCheckService[] {
  const d = s.destinations[0];
  if (s.fwmark === 0 || !isOurs(s.fwmark) || !d || s.destinations.length !== 1) return [];
  return [{ mark: s.fwmark, family: s.family === 6 ? 'ipv6' : 'ipv4', address: d.address as KernelCheckService['address'] }];
}

export function netlinkOpsOf(op: TunnelCheckOp): NetlinkOp[] {
  const key = { fwmark: op.service.mark, family: familyNumber(op.service.family) };
  if (op.kind === 'delete') return [{ kind: 'delete-service', service: key }];
  return [
    { kind: 'add-service', service: { ...key, scheduler: 'mh', flags: 0 } },
    { kind: 'add-destination', service: key, destination: { address: op.service.address, port: 0, forwarding: 'tunnel', weight: 1 } },
  ];
}
