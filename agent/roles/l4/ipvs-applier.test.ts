import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeIpvs } from '../../../test/fakes/ipvs.js';
import { loadSite, nodeOf } from '../../../test/helpers/site.js';
import type { IpvsService, IpvsState } from '../../../tiers/l4/model.js';
import { planIpvs } from '../../../tiers/l4/plan.js';
import { keyOf } from '../../../tiers/l4/service-key.js';
import type { IpAddress } from '../../../site/index.js';
import { createLogger } from '../../observe/log.js';
import { createMetrics } from '../../observe/metrics.js';
import type { Clock } from '../../ports/clock.js';
import { IPVS_REPAIR_MS, IpvsApplier } from './ipvs-applier.js';

const site = loadSite();
const node = nodeOf(site, 'l4-1');
const full = planIpvs(site, node);
const l7x = (weight: number) => planIpvs(site, node, new Map([['l7-2', weight]]));

/** The first planned service on `count` VIPs, the last one's second destination at `weight`. */
function manyServices(count: number, weight: number): IpvsState {
  const first = full.services[0] as IpvsService;
  return {
    services: Array.from({ length: count }, (_, i): IpvsService => ({
      ...first,
      vip: `198.18.${i >> 8}.${i & 255}` as IpAddress,
      destinations: first.destinations.map((d, j) => (i === count - 1 && j === 1 ? { ...d, weight } : d)),
    })),
  };
}

function harness() {
  const ipvs = new FakeIpvs();
  let reads = 0;
  const read = ipvs.read.bind(ipvs);
  ipvs.read = () => { reads++; return read(); };
  let now = 1_000_000;
  const clock: Clock = { now: () => now, sleep: async () => undefined };
  const applier = new IpvsApplier({ port: ipvs, clock, log: createLogger('l4-1', 'silent'), metrics: createMetrics(new Registry()) });
  return { ipvs, applier, reads: () => reads, advance: (ms: number) => { now += ms; } };
}

describe('the IPVS applier', () => {
  it('reads a new table back before calling it verified', async () => {
    const h = harness();
    expect(await h.applier.apply(full, { leaving: false, verify: true })).toEqual({ kind: 'verified', changed: true });
    expect(h.reads()).toBe(2);
  });

  it('applies a weight change to the verified table at once, without reading the table', async () => {
    const h = harness();
    await h.applier.apply(full, { leaving: false, verify: true });
    const before = h.reads();
    expect(await h.applier.apply(l7x(0), { leaving: false, verify: false })).toEqual({ kind: 'verified', changed: true });
    expect(h.reads()).toBe(before);
    expect(h.ipvs.services[0]?.destinations.find((d) => d.address === '10.0.1.32')?.weight).toBe(0);
  });

  it('reads the kernel when a change to the verified table is refused, and repairs what differs', async () => {
    const h = harness();
    await h.applier.apply(full, { leaving: false, verify: true });
    h.ipvs.failNext = 'No such destination';
    const before = h.reads();
    expect((await h.applier.apply(l7x(0), { leaving: false, verify: false })).kind).toBe('verified');
    expect(h.reads()).toBeGreaterThan(before);
  });

  it('reads back an acknowledged change at the next drift check and finds a hand edit since', async () => {
    const h = harness();
    await h.applier.apply(full, { leaving: false, verify: true });
    await h.applier.apply(l7x(0), { leaving: false, verify: false });
    h.ipvs.services = h.ipvs.services.map((s, i) => (i === 0 ? { ...s, destinations: s.destinations.slice(0, 1) } : s));
    h.advance(IPVS_REPAIR_MS);
    const before = h.reads();
    await h.applier.apply(l7x(0), { leaving: false, verify: false });
    expect(h.reads()).toBeGreaterThan(before);
    expect(h.ipvs.services[0]?.destinations).toHaveLength(4);
    expect(h.applier.status().drift.size).toBeGreaterThan(0);
  });

  it('reads the table on a due drift check even when it was verified a moment less than the period ago', async () => {
    const h = harness();
    await h.applier.apply(full, { leaving: false, verify: true });
    h.ipvs.services = h.ipvs.services.map((s, i) => (i === 0 ? { ...s, destinations: s.destinations.slice(0, 1) } : s));
    h.advance(IPVS_REPAIR_MS - 5);
    await h.applier.apply(full, { leaving: false, verify: false, check: true });
    expect(h.ipvs.services[0]?.destinations).toHaveLength(4);
  });

  it('sends a weight change to a verified table of many services as the one operation on its service', async () => {
    const h = harness();
    await h.applier.apply(manyServices(300, 100), { leaving: false, verify: true });
    const changed = manyServices(300, 7);
    expect(await h.applier.apply(changed, { leaving: false, verify: false })).toEqual({ kind: 'verified', changed: true });
    const last = changed.services[299] as IpvsService;
    expect(h.ipvs.batches.at(-1)).toEqual([{ op: 'edit-destination', key: keyOf(last), destination: last.destinations[1] }]);
  });

  it('leaves a verified table of many services alone when every service is equal', async () => {
    const h = harness();
    await h.applier.apply(manyServices(300, 100), { leaving: false, verify: true });
    const batches = h.ipvs.batches.length;
    expect(await h.applier.apply(manyServices(300, 100), { leaving: false, verify: false })).toEqual({ kind: 'verified', changed: false });
    expect(h.ipvs.batches).toHaveLength(batches);
  });
});
