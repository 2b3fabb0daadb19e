import { describe, expect, it } from 'vitest';
import { type TargetHealth, INITIAL_HEALTH } from './health.js';
import { type L7Health, minPooled, planWeights } from './weights.js';

const UP: TargetHealth = { state: 'up', consecutiveOk: 2, consecutiveFail: 0, since: 0 };
function downAt(since: number, lastReason = 'connection refused'): TargetHealth {
  return { state: 'down', consecutiveOk: 0, consecutiveFail: 1, lastReason, since };
}
const MAGLEV = ['l7-1', 'l7-2', 'l7-3', 'l7-4'];
/** The four L7 nodes in Maglev order, the named ones failing. */
function fleet(failing: string[], names = MAGLEV): L7Health<string>[] {
  return names.map((name) => ({ name, health: failing.includes(name) ? downAt(0) : UP }));
}

describe('minPooled', () => {
  it.each([
    [0, 1, 0], [0, 4, 0],
    [0.5, 1, 1], [0.5, 2, 1], [0.5, 3, 2], [0.5, 4, 2],
    [1, 1, 1], [1, 4, 4],
    [0.7, 10, 7], [0.3, 10, 3], [0.1, 3, 1], [0.75, 4, 3],
    [0.5, 0, 0],
  ])('keeps, with threshold %d and %i serving nodes, %i at full weight', (threshold, serving, kept) => {
    expect(minPooled(threshold, serving)).toBe(kept);
  });
});

describe('planWeights with the depool threshold', () => {
  it.each([
    [0, [], '100 100 100 100', []],
    [0, ['l7-1'], '0 100 100 100', []],
    [0, ['l7-1', 'l7-2'], '0 0 100 100', []],
    [0, ['l7-1', 'l7-2', 'l7-3'], '0 0 0 100', []],
    [0, MAGLEV, '0 0 0 0', []],
    [0.5, [], '100 100 100 100', []],
    [0.5, ['l7-1'], '0 100 100 100', []],
    [0.5, ['l7-1', 'l7-2'], '0 0 100 100', []],
    [0.5, ['l7-1', 'l7-2', 'l7-3'], '100 0 0 100', ['l7-1']],
    [0.5, MAGLEV, '100 100 0 0', ['l7-1', 'l7-2']],
    [1, [], '100 100 100 100', []],
    [1, ['l7-1'], '100 100 100 100', ['l7-1']],
    [1, ['l7-1', 'l7-2'], '100 100 100 100', ['l7-1', 'l7-2']],
    [1, ['l7-1', 'l7-2', 'l7-3'], '100 100 100 100', ['l7-1', 'l7-2', 'l7-3']],
    [1, MAGLEV, '100 100 100 100', MAGLEV],
  ])('with threshold %d and %j failing gives weights %s and keeps %j', (threshold, failing, weights, blocked) => {
    const plan = planWeights(fleet(failing), { fullWeight: 100, depoolThreshold: threshold });
    expect([...plan.weights.values()].join(' ')).toBe(weights);
    expect(plan.depoolBlocked).toEqual(blocked);
  });

  it.each([
    [['l7-4', 'l7-3', 'l7-2'], ['l7-2']],
    [['l7-2', 'l7-4'], []],
    [['l7-4', 'l7-3', 'l7-2', 'l7-1'], ['l7-1', 'l7-2']],
  ])('keeps the first failing nodes in Maglev order whatever order %j failed in', (failing, blocked) => {
    const nodes = MAGLEV.map((name) => ({ name, health: failing.includes(name) ? downAt(failing.indexOf(name)) : UP }));
    expect(planWeights(nodes, { fullWeight: 100, depoolThreshold: 0.5 }).depoolBlocked).toEqual(blocked);
  });

  it('applies to a service served by fewer L7 nodes: one of one stays with threshold 0.5', () => {
    const plan = planWeights(fleet(['l7-1'], ['l7-1']), { fullWeight: 100, depoolThreshold: 0.5 });
    expect(plan.weights.get('l7-1')).toBe(100);
    expect(plan.depoolBlocked).toEqual(['l7-1']);
  });

  it('says loudly why a failing node keeps its full weight', () => {
    const plan = planWeights(fleet(MAGLEV), { fullWeight: 100, depoolThreshold: 0.5 });
    expect(plan.reasons.get('l7-1')).toBe(
      'down: connection refused; kept at full weight: depool threshold 0.5 keeps 2 of 4 pooled',
    );
  });
});

describe('planWeights for each node', () => {
  it('gives a healthy node the configured full weight', () => {
    expect(planWeights(fleet([]), { fullWeight: 250, depoolThreshold: 0 }).weights.get('l7-3')).toBe(250);
  });

  it('keeps a failing node in the table at weight 0 so its existing flows stay', () => {
    const plan = planWeights(fleet(['l7-2']), { fullWeight: 100, depoolThreshold: 0 });
    expect(plan.weights.has('l7-2')).toBe(true);
    expect(plan.reasons.get('l7-2')).toBe('down: connection refused; weight 0, existing flows stay');
  });

  it('treats a node not yet learned as not up', () => {
    const nodes = [{ name: 'l7-1', health: INITIAL_HEALTH }];
    const plan = planWeights(nodes, { fullWeight: 100, depoolThreshold: 0 });
    expect(plan.weights.get('l7-1')).toBe(0);
    expect(plan.reasons.get('l7-1')).toBe('not checked enough yet; weight 0, existing flows stay');
  });

  it('treats a drained node (its monitor URI failing) like any failing node', () => {
    const nodes = [{ name: 'l7-1', health: downAt(0, 'HTTP 503') }, { name: 'l7-2', health: UP }];
    expect(planWeights(nodes, { fullWeight: 100, depoolThreshold: 0.5 }).weights.get('l7-1')).toBe(0);
  });

  it('counts only nodes whose checks say up as healthy, not the ones the threshold keeps', () => {
    expect(planWeights(fleet(['l7-1', 'l7-2', 'l7-3']), { fullWeight: 100, depoolThreshold: 1 }).healthy).toBe(1);
  });

  it('lists the nodes in Maglev order', () => {
    expect([...planWeights(fleet(['l7-3']), { fullWeight: 100, depoolThreshold: 0 }).weights.keys()]).toEqual(MAGLEV);
  });

  it('gives an empty plan for a service with no L7 node', () => {
    const plan = planWeights([], { fullWeight: 100, depoolThreshold: 1 });
    expect(plan).toEqual({ weights: new Map(), depoolBlocked: [], reasons: new Map(), healthy: 0 });
  });
});

describe('planWeights with a ramp', () => {
  const RAMP = { ms: 30_000, now: 100_000 };
  const back = (returnedAt: number): TargetHealth => ({ state: 'up', consecutiveOk: 2, consecutiveFail: 0, since: returnedAt, returnedAt });

  it('gives a node that came back 25% of its weight, says why, and asks to wake at the next step', () => {
    const nodes = MAGLEV.map((name) => ({ name, health: name === 'l7-2' ? back(95_000) : UP }));
    const plan = planWeights(nodes, { fullWeight: 100, depoolThreshold: 0.5, rampUp: RAMP });
    expect([...plan.weights.values()]).toEqual([100, 25, 100, 100]);
    expect(plan.reasons.get('l7-2')).toBe('up; ramping up after its return: step 1 of 4, weight 25');
    expect(plan.wakeAt).toBe(105_000);
  });

  it('counts a ramping node as healthy for the quorum', () => {
    const nodes = MAGLEV.map((name) => ({ name, health: back(95_000) }));
    expect(planWeights(nodes, { fullWeight: 100, depoolThreshold: 0.5, rampUp: RAMP }).healthy).toBe(4);
  });

  it('gives full weight and no wake-up once the ramp is over', () => {
    const nodes = MAGLEV.map((name) => ({ name, health: name === 'l7-2' ? back(70_000) : UP }));
    const plan = planWeights(nodes, { fullWeight: 100, depoolThreshold: 0.5, rampUp: RAMP });
    expect([...plan.weights.values()]).toEqual([100, 100, 100, 100]);
    expect(plan).not.toHaveProperty('wakeAt');
  });

  it('ramps nobody while the depool threshold keeps a failing node at full weight', () => {
    const nodes: L7Health<string>[] = [
      { name: 'l7-1', health: downAt(0) }, { name: 'l7-2', health: downAt(0) }, { name: 'l7-3', health: downAt(0) }, { name: 'l7-4', health: back(95_000) },
    ];
    const plan = planWeights(nodes, { fullWeight: 100, depoolThreshold: 0.5, rampUp: RAMP });
    expect([...plan.weights.values()]).toEqual([100, 0, 0, 100]);
    expect(plan.depoolBlocked).toEqual(['l7-1']);
    expect(plan).not.toHaveProperty('wakeAt');
  });

  it('keeps the depool threshold\'s choice whatever the ramp: a ramping node is up, and kept nodes are the failing ones', () => {
    const nodes: L7Health<string>[] = [
      { name: 'l7-1', health: downAt(0) }, { name: 'l7-2', health: back(95_000) }, { name: 'l7-3', health: UP }, { name: 'l7-4', health: downAt(0) },
    ];
    const plan = planWeights(nodes, { fullWeight: 100, depoolThreshold: 0.5, rampUp: RAMP });
    expect(plan.depoolBlocked).toEqual([]);
    expect([...plan.weights.values()]).toEqual([0, 25, 100, 0]);
  });

  it('gives full weight at once without a ramp', () => {
    const nodes = MAGLEV.map((name) => ({ name, health: back(95_000) }));
    expect([...planWeights(nodes, { fullWeight: 100, depoolThreshold: 0.5 }).weights.values()]).toEqual([100, 100, 100, 100]);
  });
});
