import { describe, expect, it } from 'vitest';
import { loadSite, nodeOf } from '../../../test/helpers/site.js';
import { INITIAL_HEALTH } from '../../../tiers/l4/health.js';
import { healthKey, planL4Node } from '../../../tiers/l4/plan-node.js';
import { createMetrics } from '../../observe/metrics.js';
import { recordL4Metrics } from './metrics.js';

const site = loadSite();
const node = nodeOf(site, 'l4-1');
const up = { ...INITIAL_HEALTH, state: 'up' as const, consecutiveOk: 2 };

describe('recordL4Metrics', () => {
  it('sets the kernel\'s weights and connection counts of each real server from the table read back', async () => {
    const plan = planL4Node(site, node, { now: 0, disable: { disabled: false }, ipvsVerified: true, health: new Map(), announcing: new Set() });
    const entry = plan.ipvs.services[0];
    if (!entry) throw new Error('expected an IPVS service in the plan');
    const kernel = [{
      protocol: entry.protocol, vip: entry.vip, port: entry.port, scheduler: 'mh', flags: [],
      destinations: entry.destinations.map((d, i) => ({ address: d.address, port: d.port, forwarding: 'tunnel' as const, weight: 7, activeConns: 10 + i, inactiveConns: 3 })),
    }];
    const metrics = createMetrics();
    recordL4Metrics(metrics, site, plan, kernel);
    const text = await metrics.registry.metrics();
    const first = entry.destinations[0]?.node;
    const vipPort = entry.vip.includes(':') ? `[${entry.vip}]:${entry.port}` : `${entry.vip}:${entry.port}`;
    expect(text).toContain(`tierlb_l4_realserver_connections{service="${entry.service}",vip_port="${vipPort}",real_server="${first}",state="active"} 10`);
    expect(text).toContain(`tierlb_l4_realserver_connections{service="${entry.service}",vip_port="${vipPort}",real_server="${first}",state="inactive"} 3`);
    expect(text).toContain(`tierlb_l4_realserver_weight{service="${entry.service}",vip_port="${vipPort}",real_server="${first}",source="kernel"} 7`);
  });

  it('sets the announced gauge, the desired weights and the health of each real server', async () => {
    const health = new Map(site.services.flatMap((s) => s.l7.nodes.map((l7) => [healthKey(l7, s.name), l7 === 'l7-2' ? INITIAL_HEALTH : up] as const)));
    const plan = planL4Node(site, node, { now: 0, disable: { disabled: false }, ipvsVerified: true, health, announcing: new Set(site.services.flatMap((s) => s.vips)) });
    const metrics = createMetrics();
    recordL4Metrics(metrics, site, plan, undefined);
    const text = await metrics.registry.metrics();
    expect(text).toContain('tierlb_ecmp_vip_announced{service="web",vip="198.51.100.1"} 1');
    expect(text).toContain('tierlb_l4_realserver_healthy{service="web",real_server="l7-2"} 0');
    expect(text).toContain('tierlb_l4_realserver_weight{service="web",vip_port="198.51.100.1:80",real_server="l7-2",source="desired"} 0');
    expect(text).toContain('tierlb_l4_realserver_weight{service="web",vip_port="198.51.100.1:80",real_server="l7-1",source="desired"} 100');
  });
});
