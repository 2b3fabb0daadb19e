import { describe, expect, it } from 'vitest';
import { loadSite, nodeOf } from '../../../test/helpers/site.js';
import { INITIAL_HEALTH } from '../../../tiers/l4/health.js';
import { healthKey, planL4Node } from '../../../tiers/l4/plan-node.js';
import { parseIpvsList } from '../../../tiers/l4/kernel.js';
import { tableDigest } from '../../../tiers/l4/index.js';
import { l4ServiceStatus, serviceDigest } from './status.js';

const site = loadSite();
const node = nodeOf(site, 'l4-1');
const up = { ...INITIAL_HEALTH, state: 'up' as const, consecutiveOk: 2 };
const health = new Map(site.services.flatMap((s) => s.l7.nodes.map((l7) => [healthKey(l7, s.name), l7 === 'l7-4' ? { ...INITIAL_HEALTH, state: 'down' as const, lastReason: 'connection refused' } : up] as const)));
const plan = planL4Node(site, node, { now: 0, disable: { disabled: false }, ipvsVerified: true, health, announcing: new Set(site.services.flatMap((s) => s.vips)) });

describe('l4ServiceStatus', () => {
  it('shows each VIP with the decision and why', () => {
    const web = l4ServiceStatus(site, { plan, kernel: undefined, drift: new Map() })[0];
    expect(web?.vips[0]).toMatchObject({ vip: '198.51.100.1', announce: 'yes', reason: expect.stringContaining('quorum') });
  });

  it('says why no VIP can be announced when IPVS is missing', () => {
    const web = l4ServiceStatus(site, { plan, kernel: undefined, drift: new Map(), blocker: 'IPVS is not available' })[0];
    expect(web?.vips.every((v) => v.announce === 'no' && v.reason === 'IPVS is not available')).toBe(true);
  });

  it('puts the desired weight beside the kernel weight and connections of each real server', () => {
    const kernel = parseIpvsList([
      'TCP  198.51.100.1:80 mh',
      '  -> 10.0.1.34:80                 Tunnel  100    0          0',
      '  -> 10.0.1.33:80                 Tunnel  100    1          2',
      '  -> 10.0.1.32:80                 Tunnel  100    3          4',
      '  -> 10.0.1.31:80                 Tunnel  100    5          6',
    ].join('\n'));
    const web = l4ServiceStatus(site, { plan, kernel, drift: new Map([['web', ['198.51.100.1:80: order differs']]]) })[0];
    expect(web?.realServers.find((r) => r.name === 'l7-1')).toMatchObject({ address: '10.0.1.31', health: 'up', desiredWeight: 100, kernelWeight: 100, activeConns: 5, inactiveConns: 6 });
    expect(web?.realServers.find((r) => r.name === 'l7-4')).toMatchObject({ desiredWeight: 0, kernelWeight: 100, health: expect.stringContaining('connection refused') });
    expect(web?.drift).toEqual(['198.51.100.1:80: order differs']);
  });
});

describe('serviceDigest', () => {
  it('is the table digest for one table, and one digest over all tables of a service', () => {
    const web = plan.ipvs.services.filter((s) => s.service === 'web');
    const first = web[0];
    if (!first) throw new Error('expected web tables');
    expect(serviceDigest([first])).toBe(tableDigest(first));
    expect(serviceDigest(web)).toMatch(/^[0-9a-f]{12}$/);
    expect(serviceDigest(web)).not.toBe(tableDigest(first));
    expect(serviceDigest([])).toBeUndefined();
  });
});

describe('maglev tables in the status', () => {
  it('publishes the Maglev tables the kernel holds per service, and none before the kernel is read', () => {
    const kernel = parseIpvsList([
      'TCP  198.51.100.1:80 mh (mh-fallback)',
      '  -> 10.0.1.34:80                 Tunnel  0      0          0',
      '  -> 10.0.1.33:80                 Tunnel  100    0          0',
      '  -> 10.0.1.32:80                 Tunnel  100    0          0',
      '  -> 10.0.1.31:80                 Tunnel  100    0          0',
    ].join('\n'));
    const web = l4ServiceStatus(site, { plan, kernel, drift: new Map() })[0];
    expect(web?.maglev?.digest).toMatch(/^[0-9a-f]{12}$/);
    expect(web?.maglev?.tables.map((t) => t.service)).toEqual(['tcp 198.51.100.1:80']);
    expect(web?.maglev?.tables[0]?.destinations.map((d) => d.address)).toEqual(['10.0.1.31', '10.0.1.32', '10.0.1.33', '10.0.1.34']);
    expect(l4ServiceStatus(site, { plan, kernel: undefined, drift: new Map() })[0]?.maglev).toBeUndefined();
  });
});
