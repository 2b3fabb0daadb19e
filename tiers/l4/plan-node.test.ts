import { describe, expect, it } from 'vitest';
import { nodeNamed, type SiteNode } from '../../site/index.js';
import { loadSite, siteOf, exampleValue } from '../../test/helpers/site.js';
import { replayHealth, type TargetHealth } from './health.js';
import { healthKey, planL4Node, type L4Observations } from './plan-node.js';

const site = loadSite();
const l4 = nodeNamed(site, 'l4-1') as SiteNode;
const up: TargetHealth = { state: 'up', consecutiveOk: 2, consecutiveFail: 0 };
const down: TargetHealth = { state: 'down', consecutiveOk: 0, consecutiveFail: 2, lastReason: 'connection refused' };
const L7 = ['l7-1', 'l7-2', 'l7-3', 'l7-4'];

function obs(over: Partial<L4Observations> = {}, downNodes: string[] = [], services = ['web', 'api']): L4Observations {
  const health = new Map<string, TargetHealth>();
  for (const l7 of L7) for (const s of services) health.set(healthKey(l7, s), downNodes.includes(l7) ? down : up);
  // A node already announcing every VIP unless a test says otherwise (joining is tested below).
  return { now: 1000, disable: { disabled: false }, ipvsVerified: true, health, announcing: new Set(site.services.flatMap((s) => s.vips)), ...over };
}

const weightsOf = (plan: ReturnType<typeof planL4Node>, target: string): number[] =>
  plan.ipvs.services.find((s) => `${s.vip}:${s.port}` === target)?.destinations.map((d) => d.weight) ?? [];

describe('planL4Node', () => {
  it('announces every VIP without the community when healthy, applied and enabled', () => {
    const p = planL4Node(site, l4, obs());
    expect(p.announcements).toHaveLength(8);
    expect(p.announcements.every((a) => !a.gracefulShutdown)).toBe(true);
  });

  it('announces nothing before the IPVS table is verified: learn before announcing', () => {
    const p = planL4Node(site, l4, obs({ ipvsVerified: false }));
    expect(p.announcements).toEqual([]);
    expect(p.services[0]?.announce.reason).toMatch(/learn before announcing/);
    expect(p.ipvs.services.length).toBeGreaterThan(0);
  });

  it('announces nothing while no L7 node has been checked yet', () => {
    expect(planL4Node(site, l4, obs({ health: new Map() })).announcements).toEqual([]);
  });

  it('gives a failing L7 node weight 0 and keeps it in the table', () => {
    const p = planL4Node(site, l4, obs({}, ['l7-2']));
    expect(weightsOf(p, '198.51.100.1:80')).toEqual([100, 0, 100, 100]);
  });

  it('withdraws a service whose healthy L7 nodes fall below its quorum', () => {
    const p = planL4Node(site, l4, obs({}, ['l7-1', 'l7-2', 'l7-3']));
    expect(p.announcements).toEqual([]);
    expect(p.services.map((s) => s.announce.announce)).toEqual(['no', 'no']);
  });

  it('keeps half of the L7 nodes at full weight by the depool threshold, and says so', () => {
    const p = planL4Node(site, l4, obs({}, L7));
    expect(weightsOf(p, '198.51.100.1:80')).toEqual([100, 100, 0, 0]);
    expect(p.services[0]?.weights.depoolBlocked).toEqual(['l7-1', 'l7-2']);
  });

  it('weighs each service from its own health', () => {
    const health = new Map(obs().health);
    health.set(healthKey('l7-3', 'api'), down);
    const p = planL4Node(site, l4, obs({ health }));
    expect(weightsOf(p, '198.51.100.1:80')).toEqual([100, 100, 100, 100]);
    expect(weightsOf(p, '198.51.100.3:80')).toEqual([100, 100, 0, 100]);
  });

  it('announces with the graceful-shutdown community during the drain after touch disable, and wakes at its end', () => {
    const p = planL4Node(site, l4, obs({ disable: { disabled: true, since: 900, reason: 'kernel upgrade' } }));
    expect(p.announcements.every((a) => a.gracefulShutdown)).toBe(true);
    expect(p.wakeAt).toBe(900 + 5000);
  });

  it('withdraws every VIP once the drain time has passed', () => {
    const p = planL4Node(site, l4, obs({ now: 10000, disable: { disabled: true, since: 900 } }));
    expect(p.announcements).toEqual([]);
    expect(p.wakeAt).toBeUndefined();
  });

  it('drains then withdraws on a planned stop, like a disable', () => {
    expect(planL4Node(site, l4, obs({ stopRequestedAt: 1000 })).announcements.every((a) => a.gracefulShutdown)).toBe(true);
    expect(planL4Node(site, l4, obs({ now: 6001, stopRequestedAt: 1000 })).announcements).toEqual([]);
  });

  it('keeps the IPVS table while withdrawn, so flows still arriving are served', () => {
    const p = planL4Node(site, l4, obs({ now: 10000, disable: { disabled: true, since: 900 } }));
    expect(weightsOf(p, '198.51.100.1:80')).toEqual([100, 100, 100, 100]);
  });

  describe('joining (announcing nothing yet)', () => {
    const joining = { announcing: new Set<string>() };
    const withSince = (since: number, unknownNode?: string): Map<string, TargetHealth> => {
      const health = new Map<string, TargetHealth>();
      for (const l7 of L7) for (const s of ['web', 'api']) health.set(healthKey(l7, s), l7 === unknownNode ? { state: 'unknown', consecutiveOk: 1, consecutiveFail: 0 } : { ...up, since });
      return health;
    };

    it('waits for a first verdict on every L7 node, even with a quorum up', () => {
      const p = planL4Node(site, l4, obs({ ...joining, health: withSince(0, 'l7-3') }));
      expect(p.announcements).toEqual([]);
      expect(p.services[0]?.announce.reason).toMatch(/joining: waiting for a first verdict on l7-3/);
    });

    it('waits until the health has held for a full rise (interval × rise) and wakes then', () => {
      const check = site.services[0]?.l7.check;
      const settle = (check?.interval.ms ?? 0) * (check?.rise ?? 0);
      const early = planL4Node(site, l4, obs({ ...joining, now: 1000 + settle - 1, health: withSince(1000) }));
      expect(early.announcements).toEqual([]);
      expect(early.wakeAt).toBe(1000 + settle);
      const late = planL4Node(site, l4, obs({ ...joining, now: 1000 + settle, health: withSince(1000) }));
      expect(late.announcements).toHaveLength(8);
    });

    it('does not hold back a node that announces already when an L7 node changes', () => {
      const p = planL4Node(site, l4, obs({ now: 1001, health: withSince(1000) }));
      expect(p.announcements).toHaveLength(8);
    });
  });
});


describe('planL4Node with a ramp (l4.rampUp)', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const value = exampleValue() as Record<string, any>;
  value.services[0].l4.rampUp = '30s';
  const ramped = siteOf(value);
  const node = nodeNamed(ramped, 'l4-1') as SiteNode;
  const backAt = (returnedAt: number): TargetHealth => ({ state: 'up', consecutiveOk: 2, consecutiveFail: 0, since: returnedAt, returnedAt });

  function comingBack(now: number): L4Observations {
    const o = obs({ now });
    const health = new Map(o.health);
    health.set(healthKey('l7-2', 'web'), backAt(10_000));
    health.set(healthKey('l7-2', 'api'), backAt(10_000));
    return { ...o, health };
  }

  it.each([
    [10_000, 25], [19_999, 25], [20_000, 50], [30_000, 75], [40_000, 100],
  ])('at %i ms gives the node back at 10 s weight %i in the web service', (now, weight) => {
    expect(weightsOf(planL4Node(ramped, node, comingBack(now)), '198.51.100.1:80')).toEqual([100, weight, 100, 100]);
  });

  it('wakes the agent at each step of the ramp, then no more', () => {
    expect(planL4Node(ramped, node, comingBack(12_000)).wakeAt).toBe(20_000);
    expect(planL4Node(ramped, node, comingBack(31_000)).wakeAt).toBe(40_000);
    expect(planL4Node(ramped, node, comingBack(40_000)).wakeAt).toBeUndefined();
  });

  it('leaves a service without a ramp at full weight for the same return', () => {
    expect(weightsOf(planL4Node(ramped, node, comingBack(12_000)), '198.51.100.3:80')).toEqual([100, 100, 100, 100]);
  });

  it('ramps a node back from an operator\'s drain like one back from a failure: the L4 node sees both as down', () => {
    const drained = replayHealth([{ kind: 'ok' }, { kind: 'ok' }, { kind: 'maintenance', reason: 'drain' }, { kind: 'ok' }, { kind: 'ok' }], { rise: 2, fall: 2 }, 0, 1000);
    const o = obs({ now: 5000 });
    const health = new Map(o.health).set(healthKey('l7-2', 'web'), drained);
    expect(weightsOf(planL4Node(ramped, node, { ...o, health }), '198.51.100.1:80')).toEqual([100, 25, 100, 100]);
  });

  it('ramps nobody at an L4 node\'s start: every node is first learned up', () => {
    const fresh = replayHealth([{ kind: 'ok' }, { kind: 'ok' }], { rise: 2, fall: 2 }, 0, 1000);
    const o = obs({ now: 2000 });
    const health = new Map([...o.health.keys()].map((k) => [k, fresh]));
    expect(weightsOf(planL4Node(ramped, node, { ...o, health }), '198.51.100.1:80')).toEqual([100, 100, 100, 100]);
  });
});
