import { describe, expect, it } from 'vitest';
import { nodeNamed, type SiteNode } from '../../site/index.js';
import { loadSite } from '../../test/helpers/site.js';
import { applyIpvs } from './apply.js';
import { FakeIpvs } from './fake-ipvs.js';
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
    expect(r.kind === 'verified' && r.applied.map((o) => o.op)).toEqual(['add-destination']);
    expect(k.services[0]?.destinations).toHaveLength(4);
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
