import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { INITIAL_HEALTH, type TargetHealth } from '../l4/health.js';
import { decideVips, stepVipHealth, targetKey, vipTargets, vipUpMap } from './vip-health.js';

const site = loadSite();
const targets = vipTargets(site);
const rule = { rise: 2, fall: 2 };
const down = (reason: string): TargetHealth => ({ state: 'down', consecutiveOk: 0, consecutiveFail: 2, lastReason: reason });
const up: TargetHealth = { state: 'up', consecutiveOk: 2, consecutiveFail: 0 };

describe('vipTargets', () => {
  it('checks every VIP of a service with a DNS name on every port of the service', () => {
    expect(targets.filter((t) => t.service === 'web').map((t) => t.key)).toEqual([
      '198.51.100.1 80', '198.51.100.2 80', '2001:db8::c633:6401 80', '2001:db8::c633:6402 80',
    ]);
    expect(targets.filter((t) => t.service === 'api')).toHaveLength(8);
  });

  it('checks an http service with a GET of its check path and a tcp service with a connect', () => {
    const web = targets.find((t) => t.service === 'web');
    const api = targets.find((t) => t.service === 'api');
    expect(web?.check).toEqual({ kind: 'http', path: '/healthz', expectStatus: 200 });
    expect(api?.check).toEqual({ kind: 'tcp' });
  });

  it('takes interval, timeout, rise and fall from the service check', () => {
    expect(targets[0]).toMatchObject({ intervalMs: 1000, timeoutMs: 500, rule: { rise: 2, fall: 2 } });
  });
});

describe('stepVipHealth', () => {
  it('counts a refused connection toward fall instead of downing the VIP at once', () => {
    const h = stepVipHealth(up, { kind: 'refused' }, rule, 1);
    expect(h.state).toBe('up');
    expect(h.lastReason).toBe('connection refused');
    expect(stepVipHealth(h, { kind: 'refused' }, rule, 2).state).toBe('down');
  });

  it('brings a VIP down after fall timeouts and up again after rise successes', () => {
    const d = stepVipHealth(stepVipHealth(up, { kind: 'timeout' }, rule, 1), { kind: 'timeout' }, rule, 2);
    expect(d.state).toBe('down');
    const once = stepVipHealth(d, { kind: 'ok' }, rule, 3);
    expect(once.state).toBe('down');
    expect(stepVipHealth(once, { kind: 'ok' }, rule, 4).state).toBe('up');
  });

  it('leaves an unknown VIP unknown after one failure', () => {
    expect(stepVipHealth(INITIAL_HEALTH, { kind: 'timeout' }, rule, 1).state).toBe('unknown');
  });
});

describe('decideVips', () => {
  it('keeps every VIP in the answers before any check has decided', () => {
    const decisions = decideVips(site, targets, new Map());
    expect(decisions).toHaveLength(8);
    expect(decisions.every((d) => d.up && d.reason === 'not checked yet: kept in the answers')).toBe(true);
  });

  it('takes a VIP out when one of its ports is down and says which', () => {
    const health = new Map(targets.map((t) => [t.key, up]));
    health.set(targetKey('198.51.100.3', 8443), down('timeout'));
    const d = decideVips(site, targets, health).find((x) => x.vip === '198.51.100.3');
    expect(d).toEqual({ service: 'api', vip: '198.51.100.3', up: false, reason: 'port 8443 down (timeout)' });
  });

  it('lists the decisions in the site order of services and VIPs', () => {
    const vips = decideVips(site, targets, new Map()).map((d) => d.vip);
    expect(vips).toEqual(site.services.flatMap((s) => s.vips));
  });

  it('gives renderDnsState false exactly for the VIPs that are down', () => {
    const health = new Map([[targetKey('198.51.100.1', 80), down('HTTP 503, expected 200')]]);
    const map = vipUpMap(decideVips(site, targets, health));
    expect([...map].filter(([, u]) => !u).map(([v]) => v)).toEqual(['198.51.100.1']);
  });
});
