import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSite, nodeOf } from '../../test/helpers/site.js';
import type { IpAddress, MhFlag, Port, Token } from '../../site/index.js';
import { findChangedServices } from './changed-services.js';
import { diffIpvs } from './diff.js';
import { kernelViewOf } from './kernel.js';
import type { IpvsDestination, IpvsService, IpvsState } from './model.js';
import { planIpvs } from './plan.js';
import { describeService } from './service-key.js';

const site = loadSite();
const planned = planIpvs(site, nodeOf(site, 'l4-1'));

/** The planned table with service `i` replaced by `edit` of it. */
function withService(i: number, edit: (s: IpvsService) => IpvsService): IpvsState {
  return { services: planned.services.map((s, j) => (j === i ? edit(s) : s)) };
}

const without = (i: number): IpvsState => ({ services: planned.services.filter((_, j) => j !== i) });

/** The operations the whole-table diff makes, and the ones made from the changed services alone. */
function bothDiffs(verified: IpvsState, desired: IpvsState) {
  const changed = findChangedServices(verified, desired);
  return { whole: diffIpvs(desired, kernelViewOf(verified)), subset: diffIpvs(changed.desired, kernelViewOf(changed.verified)) };
}

describe('findChangedServices', () => {
  it('finds no service changed in a table equal to the verified one', () => {
    expect(findChangedServices(planned, structuredClone(planned))).toEqual({ desired: { services: [] }, verified: { services: [] }, equal: true });
  });

  it('finds a weight change in the one service it is in', () => {
    const desired = withService(4, (s) => ({ ...s, destinations: s.destinations.map((d, j) => (j === 1 ? { ...d, weight: 0 } : d)) }));
    expect(findChangedServices(planned, desired)).toEqual({ desired: { services: [desired.services[4]] }, verified: { services: [planned.services[4]] }, equal: false });
    const { whole, subset } = bothDiffs(planned, desired);
    expect(subset).toEqual(whole);
    expect(subset.ops.map((o) => o.op)).toEqual(['edit-destination']);
  });

  it('calls services in another order a different table with no service changed and nothing to do', () => {
    const desired = { services: [...planned.services].reverse() };
    expect(findChangedServices(planned, desired)).toEqual({ desired: { services: [] }, verified: { services: [] }, equal: false });
    expect(bothDiffs(planned, desired).whole.ops).toEqual([]);
  });

  it('finds destinations in another order a change of their service, moved as the whole-table diff moves them', () => {
    const desired = withService(2, (s) => ({ ...s, destinations: [...s.destinations].reverse() }));
    expect(findChangedServices(planned, desired).desired.services).toEqual([desired.services[2]]);
    const { whole, subset } = bothDiffs(planned, desired);
    expect(subset).toEqual(whole);
    expect(subset.ops.filter((o) => o.op === 'move-destination')).toHaveLength(3);
  });

  it('finds a removed service among the verified ones only, and deletes it', () => {
    const changed = findChangedServices(planned, without(3));
    expect(changed).toEqual({ desired: { services: [] }, verified: { services: [planned.services[3]] }, equal: false });
    const { whole, subset } = bothDiffs(planned, without(3));
    expect(subset).toEqual(whole);
    expect(subset.ops.map((o) => o.op)).toEqual(['delete-service']);
  });

  it('finds an added service among the desired ones only, and adds it with its destinations', () => {
    const changed = findChangedServices(without(3), planned);
    expect(changed).toEqual({ desired: { services: [planned.services[3]] }, verified: { services: [] }, equal: false });
    const { whole, subset } = bothDiffs(without(3), planned);
    expect(subset).toEqual(whole);
    expect(subset.ops.map((o) => o.op)).toEqual(['add-service', 'add-destination', 'add-destination', 'add-destination', 'add-destination']);
  });

  it('finds a destination given to another L7 node a change, though the kernel has nothing to do', () => {
    const desired = withService(0, (s) => ({ ...s, destinations: s.destinations.map((d, j) => (j === 0 ? { ...d, node: 'l7-9' as Token } : d)) }));
    expect(findChangedServices(planned, desired)).toMatchObject({ desired: { services: [desired.services[0]] }, equal: false });
    expect(bothDiffs(planned, desired).subset.ops).toEqual([]);
  });

  it('hands back both tables whole when two services share a key', () => {
    const first = planned.services[0] as IpvsService;
    const desired = { services: [...planned.services, first] };
    expect(findChangedServices(planned, desired)).toEqual({ desired, verified: planned, equal: false });
  });
});

// Small random tables, the desired one an edit of the verified one, so most services are equal and the rest differ in one way each.
const ADDRESSES = ['10.0.1.31', '10.0.1.32', '10.0.1.33', '10.0.1.34'];
const KEYS = ['198.51.100.1', '198.51.100.2', '2001:db8::1'].flatMap((vip) => [80, 443].map((port) => ({ vip, port })));
const FLAG_SETS: MhFlag[][] = [[], ['mh-fallback'], ['mh-port'], ['mh-fallback', 'mh-port']];
const EDITS = ['keep', 'keep', 'keep', 'weight', 'order', 'drop-destination', 'add-destination', 'flags', 'node', 'address', 'rename', 'vip', 'port', 'gone'] as const;

const destination = (address: string, weight: number): IpvsDestination =>
  ({ node: `l7-${address.slice(-2)}` as Token, address: address as IpAddress, port: 80 as Port, forwarding: 'tunnel', weight });

const serviceArb: fc.Arbitrary<IpvsService> = fc.record({
  key: fc.constantFrom(...KEYS),
  flags: fc.constantFrom(...FLAG_SETS),
  addresses: fc.shuffledSubarray(ADDRESSES),
  weights: fc.array(fc.constantFrom(0, 50, 100), { minLength: ADDRESSES.length, maxLength: ADDRESSES.length }),
}).map(({ key, flags, addresses, weights }): IpvsService => ({
  service: 'web' as Token, protocol: 'tcp', vip: key.vip as IpAddress, family: key.vip.includes(':') ? 'ipv6' : 'ipv4', port: key.port as Port,
  scheduler: 'mh', flags, destinations: addresses.map((a, i) => destination(a, weights[i] ?? 100)),
}));

function edited(s: IpvsService, edit: (typeof EDITS)[number]): IpvsService[] {
  const [first, ...rest] = s.destinations;
  switch (edit) {
    case 'keep': return [s];
    case 'weight': return [{ ...s, destinations: first ? [{ ...first, weight: first.weight === 100 ? 0 : 100 }, ...rest] : [] }];
    case 'order': return [{ ...s, destinations: [...s.destinations].reverse() }];
    case 'drop-destination': return [{ ...s, destinations: rest }];
    // The first address not in the service, or the first address again: a desired table may repeat one.
    case 'add-destination': return [{ ...s, destinations: [...s.destinations, destination(ADDRESSES.find((a) => !s.destinations.some((d) => d.address === a)) ?? ADDRESSES[0] ?? '', 100)] }];
    case 'flags': return [{ ...s, flags: FLAG_SETS[(FLAG_SETS.findIndex((f) => f.join() === s.flags.join()) + 1) % FLAG_SETS.length] ?? [] }];
    case 'node': return [{ ...s, destinations: first ? [{ ...first, node: 'l7-99' as Token }, ...rest] : [] }];
    case 'address': return [{ ...s, destinations: first ? [{ ...first, address: '10.0.1.35' as IpAddress }, ...rest] : [] }];
    case 'rename': return [{ ...s, service: 'api' as Token }];
    // Another key in the same place: a service gone and one added.
    case 'vip': return [{ ...s, vip: (s.family === 'ipv6' ? '2001:db8::9' : '198.51.100.9') as IpAddress }];
    case 'port': return [{ ...s, port: 8080 as Port }];
    case 'gone': return [];
  }
}

const tablesArb = fc.uniqueArray(serviceArb, { maxLength: 6, selector: (s) => describeService(s) }).chain((services) => fc.record({
  verified: fc.constant({ services }),
  edits: fc.array(fc.constantFrom(...EDITS), { minLength: services.length, maxLength: services.length }),
  added: fc.array(serviceArb, { maxLength: 2 }),
  shuffle: fc.boolean(),
  order: fc.shuffledSubarray(services.map((_, i) => i), { minLength: services.length }),
})).map(({ verified, edits, added, shuffle, order }) => {
  const kept = shuffle ? order.map((i) => verified.services[i] as IpvsService) : verified.services;
  const desired = { services: [...kept.flatMap((s) => edited(s, edits[verified.services.indexOf(s)] ?? 'keep')), ...added] };
  return { verified, desired };
});

describe('findChangedServices on random tables', () => {
  it('gives the changed services a diff equal to the whole-table diff', () => {
    fc.assert(fc.property(tablesArb, ({ verified, desired }) => {
      const { whole, subset } = bothDiffs(verified, desired);
      expect(subset).toEqual(whole);
    }), { numRuns: 2000 });
  });

  it('calls tables equal exactly when they are deeply equal, and then finds no service changed', () => {
    fc.assert(fc.property(tablesArb, ({ verified, desired }) => {
      const changed = findChangedServices(verified, desired);
      expect(changed.equal).toBe(isDeepStrictEqual(verified, desired));
      if (changed.equal) expect(changed).toEqual({ desired: { services: [] }, verified: { services: [] }, equal: true });
    }), { numRuns: 2000 });
  });
});
