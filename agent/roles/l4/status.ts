// What `tierlb status` shows for an L4 node, per service: each VIP's
// announce decision and why, and per real server (L7 node) the desired
// weight next to the kernel's, its health and its connections, plus the
// digest of the desired table (equal on every L4 node that agrees), the
// Maglev tables the kernel holds (for peers to compare) and the drift found
// between kernel and plan. Pure.
import { createHash } from 'node:crypto';
import type { Site } from '../../../site/index.js';
import { maglevServiceStatus } from '../../../tiers/l4/agreement/index.js';
import { tableDigest, tableText, type IpvsService } from '../../../tiers/l4/index.js';
import type { KernelService } from '../../../tiers/l4/kernel.js';
import type { L4NodePlan } from '../../../tiers/l4/plan-node.js';
import type { RealServerStatus, ServiceStatus, VipStatus } from '../../observe/status.js';

export interface L4StatusInput {
  readonly plan: L4NodePlan | undefined;
  /** The kernel table as last read; undefined before the first read. */
  readonly kernel: readonly KernelService[] | undefined;
  /** Why nothing can be announced at all (no IPVS), shown on every VIP. */
  readonly blocker?: string;
  /** Drift lines per service name. */
  readonly drift: ReadonlyMap<string, readonly string[]>;
}

/** One digest per service: of its one table, or of all its tables (VIP × port) in plan order. */
export function serviceDigest(entries: readonly IpvsService[]): string | undefined {
  if (entries.length === 0) return undefined;
  if (entries.length === 1 && entries[0]) return tableDigest(entries[0]);
  return createHash('sha256').update(entries.map(tableText).join('\n')).digest('hex').slice(0, 12);
}

export function l4ServiceStatus(site: Site, input: L4StatusInput): ServiceStatus[] {
  return site.services.map((service) => {
    const decision = input.plan?.services.find((d) => d.service === service.name);
    const entries = input.plan?.ipvs.services.filter((s) => s.service === service.name) ?? [];
    const kernel = entries.flatMap((e) => input.kernel?.find((k) => k.protocol === e.protocol && k.vip === e.vip && k.port === e.port) ?? []);
    const vips: VipStatus[] = service.vips.map((vip) => {
      if (input.blocker !== undefined) return { vip, announce: 'no', reason: input.blocker };
      if (!decision) return { vip, announce: 'no', reason: 'not planned yet' };
      return { vip, announce: decision.announce.announce, reason: decision.announce.reason };
    });
    const realServers: RealServerStatus[] = service.l7.nodes.map((l7) => {
      const l7Node = site.nodes.find((n) => n.name === l7);
      const address = entries[0]?.destinations.find((d) => d.node === l7)?.address ?? l7Node?.addresses.ipv4 ?? l7Node?.addresses.ipv6 ?? '';
      const dests = kernel.flatMap((k) => {
        const want = entries.find((e) => e.vip === k.vip && e.port === k.port)?.destinations.find((d) => d.node === l7);
        return want ? k.destinations.filter((d) => d.address === want.address && d.port === want.port) : [];
      });
      const kernelWeights = [...new Set(dests.map((d) => d.weight))];
      return {
        name: l7, address,
        health: decision?.weights.reasons.get(l7) ?? 'not checked yet',
        desiredWeight: decision?.weights.weights.get(l7) ?? null,
        // One weight when every VIP × port agrees; the lowest otherwise (drift shows the rest).
        kernelWeight: kernelWeights.length === 0 ? null : Math.min(...kernelWeights),
        activeConns: dests.length === 0 ? null : dests.reduce((n, d) => n + d.activeConns, 0),
        inactiveConns: dests.length === 0 ? null : dests.reduce((n, d) => n + d.inactiveConns, 0),
      };
    });
    const digest = serviceDigest(entries);
    const maglev = maglevServiceStatus(kernel);
    const drift = input.drift.get(service.name) ?? [];
    return {
      name: service.name, vips, realServers, ...(digest !== undefined ? { digest } : {}), ...(maglev ? { maglev } : {}), ...(drift.length > 0 ? { drift } : {}),
    };
  });
}
