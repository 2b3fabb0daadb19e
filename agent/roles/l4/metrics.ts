// The L4 node's gauges after a turn: what is announced, the desired and
// kernel weight, the kernel's connection counts and the health of every
// real server, and how many L7 nodes the depool threshold keeps despite
// failing checks.
import type { Site } from '../../../site/index.js';
import { endpoint } from '../../../tiers/l4/index.js';
import type { KernelService } from '../../../tiers/l4/kernel.js';
import type { L4NodePlan } from '../../../tiers/l4/plan-node.js';
import type { Metrics } from '../../observe/metrics.js';

const ANNOUNCED_VALUE = { yes: 1, 'graceful-shutdown': 0.5, no: 0 } as const;

export function recordL4Metrics(metrics: Metrics, site: Site, plan: L4NodePlan, kernel: readonly KernelService[] | undefined): void {
  for (const decision of plan.services) {
    const service = site.services.find((s) => s.name === decision.service);
    for (const vip of service?.vips ?? []) metrics.announced.set({ service: decision.service, vip }, ANNOUNCED_VALUE[decision.announce.announce]);
    metrics.depoolBlocked.set({ service: decision.service }, decision.weights.depoolBlocked.length);
    for (const l7 of service?.l7.nodes ?? []) {
      const reason = decision.weights.reasons.get(l7) ?? '';
      metrics.realServerHealthy.set({ service: decision.service, real_server: l7 }, reason === 'up' ? 1 : 0);
    }
  }
  for (const entry of plan.ipvs.services) {
    const k = kernel?.find((s) => s.protocol === entry.protocol && s.vip === entry.vip && s.port === entry.port);
    const vipPort = endpoint(entry.vip, entry.port);
    for (const d of entry.destinations) {
      metrics.realServerWeight.set({ service: entry.service, vip_port: vipPort, real_server: d.node, source: 'desired' }, d.weight);
      const kd = k?.destinations.find((x) => x.address === d.address && x.port === d.port);
      if (!kd) continue;
      metrics.realServerWeight.set({ service: entry.service, vip_port: vipPort, real_server: d.node, source: 'kernel' }, kd.weight);
      metrics.realServerConnections.set({ service: entry.service, vip_port: vipPort, real_server: d.node, state: 'active' }, kd.activeConns);
      metrics.realServerConnections.set({ service: entry.service, vip_port: vipPort, real_server: d.node, state: 'inactive' }, kd.inactiveConns);
    }
  }
}
