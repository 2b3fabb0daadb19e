import { describe, expect, it } from 'vitest';
import { exampleValue, siteOf } from '../../test/helpers/site.js';
import type { SiteNode } from '../../site/index.js';
import { INITIAL_HEALTH, type TargetHealth } from './health.js';
import { diffTunnelCheckServices, isTunnelCheckMark, planTunnelCheckServices, tunnelCheckRate, tunnelCheckTargets, withTunnelHealth, type KernelCheckService } from './tunnel-checks.js';

const site = siteOf(exampleValue());
const l4 = site.nodes.find((n) => n.name === 'l4-1') as SiteNode;
const up: TargetHealth = { state: 'up', consecutiveOk: 3, consecutiveFail: 0 };
const down = (reason: string): TargetHealth => ({ state: 'down', consecutiveOk: 0, consecutiveFail: 2, lastReason: reason });

describe('planTunnelCheckServices', () => {
  it('gives each L7 node its mark from the first one, in site order, in every family both ends have', () => {
    const s = planTunnelCheckServices(site, l4).map((c) => `${c.mark} ${c.family} ${c.l7} ${c.address}`);
    expect(s).toEqual([
      '2115698688 ipv4 l7-1 10.0.1.31', '2115698688 ipv6 l7-1 fd00:1::31',
      '2115698689 ipv4 l7-2 10.0.1.32', '2115698689 ipv6 l7-2 fd00:1::32',
      '2115698690 ipv4 l7-3 10.0.1.33', '2115698690 ipv6 l7-3 fd00:1::33',
      '2115698691 ipv4 l7-4 10.0.1.34', '2115698691 ipv6 l7-4 fd00:1::34',
    ]);
  });

  it('plans nothing when the site turns the checks off', () => {
    const off = siteOf({ ...exampleValue(), l4: { tunnelChecks: { enabled: false } } });
    expect(planTunnelCheckServices(off, l4)).toEqual([]);
    expect(tunnelCheckTargets(off, l4)).toEqual([]);
  });

  it('knows its own marks and no others', () => {
    expect(isTunnelCheckMark(site, 2115698688)).toBe(true);
    expect(isTunnelCheckMark(site, 2115698687)).toBe(false);
    expect(isTunnelCheckMark(site, 1)).toBe(false);
  });
});

describe('tunnelCheckTargets', () => {
  it('checks every VIP and port of each service on each of its L7 nodes, with the service\'s rules', () => {
    const t = tunnelCheckTargets(site, l4);
    expect(t.map((x) => `${x.l7}/${x.service}`)).toHaveLength(8);
    const api = t.find((x) => x.l7 === 'l7-2' && x.service === 'api');
    expect(api).toMatchObject({ mode: 'tcp', intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2 });
    expect(api?.probes.map((p) => `${p.localAddress}>${p.vip}:${p.port}/${p.mark}`)).toEqual([
      '10.0.0.21>198.51.100.3:80/2115698689', '10.0.0.21>198.51.100.3:8443/2115698689',
      '10.0.0.21>198.51.100.4:80/2115698689', '10.0.0.21>198.51.100.4:8443/2115698689',
      'fd00::21>2001:db8::c633:6403:80/2115698689', 'fd00::21>2001:db8::c633:6403:8443/2115698689',
      'fd00::21>2001:db8::c633:6404:80/2115698689', 'fd00::21>2001:db8::c633:6404:8443/2115698689',
    ]);
    expect(t.find((x) => x.service === 'web')?.path).toBe('/tierlb/health/web/tunnel');
  });
});

describe('tunnelCheckRate', () => {
  it('counts every VIP and port of every pair once per interval', () => {
    // web: 4 VIPs × 1 port, api: 4 VIPs × 2 ports, on each of 4 L7 nodes, every second.
    expect(tunnelCheckRate(tunnelCheckTargets(site, l4))).toBe(4 * (4 + 8));
  });
});

describe('withTunnelHealth', () => {
  it('takes the monitor\'s health unless the tunnel says down, and says the tunnel was the cause', () => {
    const monitor = new Map([['l7-1/web', up], ['l7-2/web', up], ['l7-3/web', down('HTTP 503')]]);
    const tunnel = new Map([['l7-1/web', down('198.51.100.1:80: timeout')], ['l7-2/web', INITIAL_HEALTH], ['l7-3/web', down('x')]]);
    const { health: h, setAside } = withTunnelHealth(monitor, tunnel);
    expect(setAside).toEqual([]);
    expect(h.get('l7-1/web')).toMatchObject({ state: 'down', lastReason: 'no answer through the tunnel: 198.51.100.1:80: timeout' });
    expect(h.get('l7-2/web')).toBe(up);
    expect(h.get('l7-3/web')?.lastReason).toBe('HTTP 503');
  });
});

describe('withTunnelHealth when every node fails through the tunnel', () => {
  it('sets that service\'s tunnel verdicts aside: the checker\'s path is the likely fault, and the monitor decides', () => {
    const monitor = new Map([['l7-1/web', up], ['l7-2/web', up], ['l7-1/api', up], ['l7-2/api', up]]);
    const tunnel = new Map([['l7-1/web', down('t')], ['l7-2/web', down('t')], ['l7-1/api', down('t')], ['l7-2/api', up]]);
    const { health, setAside } = withTunnelHealth(monitor, tunnel);
    expect(setAside).toEqual(['web']);
    expect(health.get('l7-1/web')).toBe(up);
    expect(health.get('l7-2/web')).toBe(up);
    expect(health.get('l7-1/api')?.state).toBe('down');
  });
});

describe('diffTunnelCheckServices', () => {
  const a: KernelCheckService = { mark: 10, family: 'ipv4', address: '10.0.1.31' as KernelCheckService['address'] };
  const b: KernelCheckService = { mark: 11, family: 'ipv4', address: '10.0.1.32' as KernelCheckService['address'] };
  it('leaves what is there alone, adds what is missing, deletes what is not planned', () => {
    expect(diffTunnelCheckServices([a, b], [a, b])).toEqual([]);
    expect(diffTunnelCheckServices([a], [a, b])).toEqual([{ kind: 'add', service: b }]);
    expect(diffTunnelCheckServices([a, b], [b])).toEqual([{ kind: 'delete', service: a }]);
  });

  it('replaces a service whose node changed address: the deletion goes first', () => {
    const moved = { ...a, address: '10.0.1.99' as KernelCheckService['address'] };
    expect(diffTunnelCheckServices([a], [moved])).toEqual([{ kind: 'delete', service: a }, { kind: 'add', service: moved }]);
  });
});
