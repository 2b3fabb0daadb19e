// The L4 applier's door to the kernel through the netlink addon: the same
// contract as ipvsadmPort (read → the table parseIpvsList gives; apply a
// change set in order), without a fork, in one call per change set.
//
// Like `ipvsadm -R`, a refused operation does not stop the ones after it
// (the change set goes packed, many operations per netlink datagram), with
// one exception: deletions are not attempted once something before them was
// refused. The applier's verify-read then shows what is still off.
//
// A new service's destinations are added while it has no scheduler ("none")
// and the real scheduler is set after the last one: the mh scheduler
// rebuilds its whole Maglev table on every destination change, so this
// builds each new table once instead of once per destination. The kernel
// keeps the destinations' add order either way, so the table is the same.
// Until the scheduler is set the new service refuses new flows, as it does
// while it has no destinations.
import type { IpvsOp } from '../../../tiers/l4/diff.js';
import type { KernelDestination, KernelService } from '../../../tiers/l4/kernel.js';
import { flagBits } from '../../../tiers/l4/model.js';
import type { IpvsPort } from '../../../tiers/l4/port.js';
import { describeService, keyOf, type ServiceKey } from '../../../tiers/l4/service-key.js';
import { ipvsadmPort } from './ipvsadm-port.js';
import { COLUMNS, IpvsNetlink, IpvsNetlinkError, netlinkAvailable, type NetlinkColumns, type NetlinkOp, type NetlinkService, type NetlinkServiceKey } from './netlink-addon.js';

export type NetlinkApplyResult = { ok: true } | { ok: false; error: string; failure: IpvsNetlinkError };

export interface NetlinkIpvsPort extends IpvsPort {
  apply(ops: readonly IpvsOp[]): Promise<NetlinkApplyResult>;
  /** The table with everything the kernel says: counters, stats, thresholds, tunnel type; kernel order. */
  readDetailed(): Promise<NetlinkService[]>;
}

/** Throws when the addon is not built or the kernel has no IPVS; callers fall back to ipvsadmPort. */
export function netlinkIpvsPort(handle: IpvsNetlink = IpvsNetlink.open()): NetlinkIpvsPort {
  return {
    async read() {
      return kernelServicesOf(await handle.listColumns());
    },
    readDetailed() {
      return handle.list();
    },
    async apply(ops) {
      const plan = netlinkOpsOf(ops);
      const refused: IpvsNetlinkError[] = [];
      let skipped = 0;
      for (const segment of segmentsOf(plan.ops, (i) => ops[plan.origin[i] ?? -1]?.op === 'move-destination')) {
        // Deletions wait until everything before them went in: a failed add
        // followed by a delete could leave a service without destinations.
        if (segment.deletes && refused.length > 0) { skipped += segment.ops.length; continue; }
        const r = await handle.applyAll(segment.ops);
        for (const f of r.failures) refused.push(f.index === undefined ? f : reindexed(f, f.index + segment.start));
      }
      const first = refused[0];
      if (!first) return { ok: true };
      const at = first.index === undefined ? undefined : plan.origin[first.index];
      const where = at === undefined ? '' : ` (operation ${at + 1} of ${ops.length})`;
      const more = refused.length > 1 ? `; ${refused.length} operations refused in all` : '';
      const held = skipped > 0 ? `; ${skipped} deletions not attempted` : '';
      return { ok: false, error: `${first.message}${where}${more}${held}`, failure: first };
    },
  };
}

/** The netlink port when the addon is built and the kernel has IPVS; ipvsadm otherwise, with why. */
export function bestIpvsPort(): { readonly port: IpvsPort; readonly via: 'netlink' } | { readonly port: IpvsPort; readonly via: 'ipvsadm'; readonly reason: string } {
  const available = netlinkAvailable();
  if (!available.ok) return { port: ipvsadmPort(), via: 'ipvsadm', reason: available.reason };
  try {
    return { port: netlinkIpvsPort(), via: 'netlink' };
  } catch (err) {
    return { port: ipvsadmPort(), via: 'ipvsadm', reason: (err as Error).message };
  }
}

/**
 * Runs of deletions and of everything else, in order, with where each starts.
 * A move's delete is not a deletion here: it goes in the same datagram as its
 * re-add, so the destination is gone for microseconds, not for a round trip.
 */
function segmentsOf(ops: readonly NetlinkOp[], partOfMove: (index: number) => boolean): { ops: NetlinkOp[]; start: number; deletes: boolean }[] {
  const out: { ops: NetlinkOp[]; start: number; deletes: boolean }[] = [];
  ops.forEach((op, i) => {
    const deletes = (op.kind === 'delete-service' || op.kind === 'delete-destination') && !partOfMove(i);
    const last = out[out.length - 1];
    if (last && last.deletes === deletes) last.ops.push(op);
    else out.push({ ops: [op], start: i, deletes });
  });
  return out;
}

function reindexed(e: IpvsNetlinkError, index: number): IpvsNetlinkError {
  return new IpvsNetlinkError(e.message, e.errno, e.code, e.op, e.target, index);
}

/** What `ipvsadm -Ln` shows in parentheses after the scheduler (ipvsadm.c print_sched_flags). */
export function schedulerFlagNames(scheduler: string, flags: number): string[] {
  const names = scheduler === 'mh' || scheduler === 'sh'
    ? [`${scheduler}-fallback`, `${scheduler}-port`, 'flag-3']
    : ['flag-1', 'flag-2', 'flag-3'];
  return names.filter((_, i) => (flags & (0x0008 << i)) !== 0);
}

const FORWARDING: Readonly<Record<string, KernelDestination['forwarding']>> = { tunnel: 'tunnel', route: 'route', masq: 'masq' };

/** The netlink table as parseIpvsList reads `ipvsadm -Ln --nosort`: address services only, destinations oldest first. */
export function toKernelServices(services: readonly NetlinkService[]): KernelService[] {
  const out: KernelService[] = [];
  for (const s of services) {
    if (s.fwmark !== 0 || typeof s.protocol !== 'string') continue;
    out.push({
      protocol: s.protocol, vip: s.address, port: s.port, scheduler: s.scheduler,
      flags: schedulerFlagNames(s.scheduler, s.flags),
      destinations: [...s.destinations].reverse().map((d) => ({
        address: d.address, port: d.port, forwarding: FORWARDING[d.forwarding] ?? 'other',
        weight: d.weight, activeConns: d.activeConns, inactiveConns: d.inactiveConns,
      })),
    });
  }
  return out;
}

const PROTOCOL_OF: Readonly<Record<number, KernelService['protocol']>> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };
const FORWARDING_OF: readonly KernelDestination['forwarding'][] = ['masq', 'other', 'tunnel', 'route', 'other'];
const SVC_F_HASHED = 0x0002;

/** toKernelServices straight from the addon's columns: no object per counter. */
export function kernelServicesOf(t: NetlinkColumns): KernelService[] {
  const { SVC_STRIDE, DEST_STRIDE } = COLUMNS;
  const out: KernelService[] = [];
  let di = 0;
  for (let si = 0; si * SVC_STRIDE < t.svc.length; si++) {
    const s = si * SVC_STRIDE;
    const count = t.svc[s + 7] ?? 0;
    const first = di;
    di += count;
    const protocol = PROTOCOL_OF[t.svc[s + 1] ?? 0];
    if ((t.svc[s + 3] ?? 0) !== 0 || !protocol) continue;
    const destinations: KernelDestination[] = new Array<KernelDestination>(count);
    for (let j = 0; j < count; j++) {
      const d = (first + j) * DEST_STRIDE;
      // The kernel lists newest first; the applier wants oldest first.
      destinations[count - 1 - j] = {
        address: t.destAddr[first + j] ?? '', port: t.dest[d + 1] ?? 0, forwarding: FORWARDING_OF[(t.dest[d + 2] ?? 0) & 0x7] ?? 'other',
        weight: t.dest[d + 3] ?? 0, activeConns: t.dest[d + 6] ?? 0, inactiveConns: t.dest[d + 7] ?? 0,
      };
    }
    const scheduler = t.svcStr[si * 3 + 1] ?? '';
    out.push({
      protocol, vip: t.svcStr[si * 3] ?? '', port: t.svc[s + 2] ?? 0, scheduler,
      flags: schedulerFlagNames(scheduler, (t.svc[s + 4] ?? 0) & ~SVC_F_HASHED), destinations,
    });
  }
  return out;
}

/** The addon's key of an address service: the protocol as the kernel keys it, never assumed. */
export function netlinkKeyOf(k: ServiceKey): Extract<NetlinkServiceKey, { readonly protocol: unknown }> {
  return { protocol: k.protocol, address: k.vip, port: k.port };
}

/**
 * The change set as netlink operations, and for each one the index of the
 * IpvsOp it came from. New services that get destinations in the same set
 * are created without a scheduler and get theirs after their last
 * destination (one Maglev build each).
 */
export function netlinkOpsOf(ops: readonly IpvsOp[]): { ops: NetlinkOp[]; origin: number[] } {
  const lastAdd = new Map<string, number>();
  ops.forEach((o, i) => { if (o.op === 'add-destination') lastAdd.set(describeService(o.key), i); });
  const deferred = new Map<string, { op: NetlinkOp; from: number }>();
  const out: NetlinkOp[] = [];
  const origin: number[] = [];
  const push = (op: NetlinkOp, from: number): void => { out.push(op); origin.push(from); };
  ops.forEach((o, i) => {
    switch (o.op) {
      case 'add-service':
      case 'edit-service': {
        const s = o.service;
        const spec = { ...netlinkKeyOf(keyOf(s)), scheduler: s.scheduler, flags: flagBits(s.flags) };
        const id = describeService(s);
        const lastDest = lastAdd.get(id);
        if (o.op === 'add-service' && lastDest !== undefined && lastDest > i) {
          push({ kind: 'add-service', service: { ...spec, scheduler: 'none' } }, i);
          deferred.set(id, { op: { kind: 'edit-service', service: spec }, from: i });
        } else {
          push({ kind: o.op, service: spec }, i);
        }
        return;
      }
      case 'delete-service':
        push({ kind: 'delete-service', service: netlinkKeyOf(o.key) }, i);
        return;
      case 'add-destination':
      case 'edit-destination': {
        const d = o.destination;
        push({ kind: o.op, service: netlinkKeyOf(o.key), destination: { address: d.address, port: d.port, forwarding: d.forwarding, weight: d.weight, tunType: 'ipip' } }, i);
        const id = describeService(o.key);
        const finish = deferred.get(id);
        if (finish && lastAdd.get(id) === i) {
          // Reported as the service's own operation if the kernel refuses it.
          push(finish.op, finish.from);
          deferred.delete(id);
        }
        return;
      }
      case 'delete-destination':
        push({ kind: 'delete-destination', service: netlinkKeyOf(o.key), destination: { address: o.address, port: o.port } }, i);
        return;
      case 'move-destination': {
        const d = o.destination;
        push({ kind: 'delete-destination', service: netlinkKeyOf(o.key), destination: { address: d.address, port: d.port } }, i);
        push({ kind: 'add-destination', service: netlinkKeyOf(o.key), destination: { address: d.address, port: d.port, forwarding: d.forwarding, weight: d.weight, tunType: 'ipip' } }, i);
        return;
      }
    }
  });
  return { ops: out, origin };
}
