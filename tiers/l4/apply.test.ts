import { describe, expect, it } from 'vitest';
import { nodeNamed, type SiteNode } from '../../site/index.js';
import { loadSite } from '../../test/helpers/site.js';
import { applyIpvs } from './apply.js';
import type { IpvsOp } from './diff.js';
import { FakeIpvs } from '../../test/fakes/ipvs.js';
import type { IpvsState } from './model.js';
import { planIpvs } from './plan.js';

const site = loadSite();
const l4 = nodeNamed(site, 'l4-1') as SiteNode;

describe('applyIpvs', () => {
  it('builds the whole table in one change set and verifies it', async () => {
    const k = new FakeIpvs();
    const r = await applyIpvs(k, planIpvs(site, l4));
    expect(r.kind).toBe('verified');
    expect(k.batches).toHaveLength(1);
    expect(k.services.map((s) => s.destinations.map((d) => d.address).join(' '))[0]).toBe('10.0.1.31 10.0.1.32 10.0.1.33 10.0.1.34');
  });

  it('changes nothing when applied twice', async () => {
    const k = new FakeIpvs();
    await applyIpvs(k, planIpvs(site, l4));
    const r = await applyIpvs(k, planIpvs(site, l4));
    expect(r.kind === 'verified' && r.applied).toEqual([]);
    expect(k.batches).toHaveLength(2);
    expect(k.batches[1]).toEqual([]);
  });

  it('drains an L7 node with live flows without deleting it', async () => {
    const k = new FakeIpvs();
    await applyIpvs(k, planIpvs(site, l4));
    for (const s of k.services) for (const d of s.destinations) Object.assign(d, { activeConns: 5 });
    const r = await applyIpvs(k, planIpvs(site, l4, new Map([['l7-1', 0]])));
    expect(r.kind).toBe('verified');
    expect(k.services.every((s) => s.destinations.find((d) => d.address.endsWith('31'))?.weight === 0)).toBe(true);
  });

  it('reports a failed change set with the operations still to do', async () => {
    const k = new FakeIpvs();
    k.failNext = 'ipvsadm -R exited 2: Memory allocation problem';
    const r = await applyIpvs(k, planIpvs(site, l4));
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.remaining.length).toBeGreaterThan(0);
    expect(r.kind === 'failed' && r.error).toMatch(/Memory allocation/);
  });

  it('restores a destination deleted by hand', async () => {
    const k = new FakeIpvs();
    await applyIpvs(k, planIpvs(site, l4));
    const first = k.services[0];
    if (first) Object.assign(first, { destinations: first.destinations.slice(0, 3) });
    const r = await applyIpvs(k, planIpvs(site, l4));
    expect(r.kind === 'verified' && r.applied.map((o) => o.op)).toEqual(['add-destination']);
  });
});

/** The plan as an L4 node sees it while the site does not have these L7 nodes yet. */
const without = (state: IpvsState, l7: readonly string[]): IpvsState => ({
  ...state, services: state.services.map((s) => ({ ...s, destinations: s.destinations.filter((d) => !l7.includes(d.node)) })),
});
const orders = (k: FakeIpvs): string[] => k.services.map((s) => s.destinations.map((d) => d.address).join(' '));

describe('applyIpvs keeps the Maglev order whatever order the L7 nodes came in', () => {
  it('gives L4 nodes that added the L7 nodes in different orders the same table', async () => {
    const full = planIpvs(site, l4);
    const fresh = new FakeIpvs();
    await applyIpvs(fresh, full);
    const histories = [['l7-2'], ['l7-3'], ['l7-1', 'l7-4'], ['l7-4', 'l7-2']];
    for (const late of histories) {
      const k = new FakeIpvs();
      await applyIpvs(k, without(full, late));
      // The late nodes one at a time, in the history's order.
      for (let i = 1; i <= late.length; i++) {
        const r = await applyIpvs(k, without(full, late.slice(i)));
        expect(r.kind).toBe('verified');
      }
      expect(orders(k), `L7 nodes ${late.join(', ')} added late`).toEqual(orders(fresh));
    }
  });

  it('says which services it moved back into order, and adding the last node in file order moves nothing', async () => {
    const full = planIpvs(site, l4);
    const late = new FakeIpvs();
    await applyIpvs(late, without(full, ['l7-4']));
    const appended = await applyIpvs(late, full);
    expect(appended.kind === 'verified' && appended.applied.every((o) => o.op === 'add-destination')).toBe(true);
    expect(appended.kind === 'verified' && appended.reordered).toEqual([]);
    const k = new FakeIpvs();
    await applyIpvs(k, without(full, ['l7-1']));
    const r = await applyIpvs(k, full);
    if (r.kind !== 'verified') throw new Error(r.error);
    expect(r.applied.filter((o) => o.op === 'move-destination')).toHaveLength(3 * full.services.length);
    expect(r.reordered).toHaveLength(full.services.length);
    expect(r.orderDrift).toEqual([]);
  });

  it('reports an order the kernel did not keep as order drift, not as a failed table', async () => {
    // A kernel that re-adds a moved destination where it was: the moves change nothing.
    class KeepsOrder extends FakeIpvs {
      override async apply(ops: readonly IpvsOp[]): Promise<{ ok: true } | { ok: false; error: string }> {
        return super.apply(ops.map((o) => (o.op === 'move-destination' ? { ...o, op: 'edit-destination' as const } : o)));
      }
    }
    const full = planIpvs(site, l4);
    const k = new KeepsOrder();
    await applyIpvs(k, without(full, ['l7-2']));
    const r = await applyIpvs(k, full);
    expect(r.kind).toBe('verified');
    expect(r.kind === 'verified' && r.orderDrift.length).toBe(full.services.length);
  });
});

describe('applyIpvs with the table the caller last read', () => {
  it('skips the read before the diff: one read, the verify', async () => {
    const k = new FakeIpvs();
    const first = await applyIpvs(k, planIpvs(site, l4));
    if (first.kind !== 'verified') throw new Error('expected a verified first apply');
    const r = await applyIpvs(k, planIpvs(site, l4, new Map([['l7-2', 0]])), first.kernel);
    if (r.kind !== 'verified') throw new Error(`expected verified, got ${r.kind}`);
    expect([r.reads, r.fresh, r.moved]).toEqual([1, false, undefined]);
    expect(r.applied.length).toBeGreaterThan(0);
    expect(r.applied.every((o) => o.op === 'edit-destination')).toBe(true);
  });

  it('catches up in a second round when the kernel moved since (a destination deleted by hand)', async () => {
    const k = new FakeIpvs();
    const first = await applyIpvs(k, planIpvs(site, l4));
    if (first.kind !== 'verified') throw new Error('expected a verified first apply');
    const svc = k.services[0];
    if (!svc) throw new Error('expected a service');
    Object.assign(svc, { destinations: svc.destinations.slice(1) });
    const r = await applyIpvs(k, planIpvs(site, l4), first.kernel);
    expect(r.kind).toBe('verified');
    expect(r.kind === 'verified' && [r.reads, r.moved !== undefined]).toEqual([2, true]);
    // The first one goes back first in the kernel's order: the three after it move behind it.
    expect(r.kind === 'verified' && r.applied.map((o) => o.op)).toEqual(['add-destination', 'move-destination', 'move-destination', 'move-destination']);
    expect(k.services[0]?.destinations.map((d) => d.address)).toEqual(['10.0.1.31', '10.0.1.32', '10.0.1.33', '10.0.1.34']);
  });

  it('catches up when the stale table made the kernel refuse an edit', async () => {
    const k = new FakeIpvs();
    const first = await applyIpvs(k, planIpvs(site, l4));
    if (first.kind !== 'verified') throw new Error('expected a verified first apply');
    const svc = k.services[0];
    if (!svc) throw new Error('expected a service');
    Object.assign(svc, { destinations: svc.destinations.slice(1) });
    k.failNext = 'No such destination';
    const r = await applyIpvs(k, planIpvs(site, l4, new Map([['l7-1', 0]])), first.kernel);
    expect(r.kind).toBe('verified');
    expect(k.services[0]?.destinations.find((d) => d.address.endsWith('31'))?.weight).toBe(0);
  });
});

describe('applyIpvs when the table cannot be read back', () => {
  it('fails instead of throwing, so the caller does not announce', async () => {
    const k = new FakeIpvs();
    let reads = 0;
    const port = { apply: k.apply.bind(k), read: async () => { if (++reads > 1) throw new Error('netlink: EPERM'); return k.read(); } };
    const r = await applyIpvs(port, planIpvs(site, l4));
    expect(r.kind === 'failed' && r.error).toMatch(/cannot read the IPVS table back: netlink: EPERM/);
  });
});
