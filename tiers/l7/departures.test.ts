import { describe, expect, it } from 'vitest';
import { renderL7 } from './index.js';
import { trackAddressDepartures, withLeavingAddresses } from './departures.js';
import { changedSite, nodeOf } from './test-site.js';
import { loadSite } from '../../test/helpers/site.js';

const site = loadSite();
const opsOf = (s = site, node = 'l7-1') => renderL7(s, nodeOf(s, node)).netOps;
const addressesIn = (ops: ReturnType<typeof opsOf>): string[] => ops.flatMap((o) => (o.kind === 'address' ? [o.address] : []));
/** The example site with l7-1 out of every service's L7 nodes. */
const withoutL71 = changedSite((v) => {
  for (const s of v.services as { l7: { nodes?: string[] } }[]) s.l7.nodes = (s.l7.nodes ?? ['l7-1', 'l7-2', 'l7-3', 'l7-4']).filter((n) => n !== 'l7-1');
});

describe('trackAddressDepartures', () => {
  it('keeps the VIP addresses of services the node left, until the longest timeout of each has passed', () => {
    const before = opsOf();
    const after = opsOf(withoutL71);
    expect(addressesIn(after)).toEqual([]);
    const leaving = trackAddressDepartures(withoutL71, before, after, [], 1000);
    expect(leaving.map((d) => d.op.address).sort()).toEqual(addressesIn(before).sort());
    const bound = Math.max(...withoutL71.services.map((s) => Math.max(s.l7.timeouts.client.ms, s.l7.timeouts.server.ms)));
    expect(Math.max(...leaving.map((d) => d.until))).toBe(1000 + bound);
    // The next turn keeps when they left, and lets each go at its bound.
    const later = trackAddressDepartures(withoutL71, withLeavingAddresses(after, leaving), after, leaving, 1000 + bound - 1);
    expect(later.map((d) => d.since)).toEqual(leaving.map((d) => d.since));
    expect(trackAddressDepartures(withoutL71, withLeavingAddresses(after, later), after, later, 1000 + bound)).toEqual([]);
  });

  it('lets a VIP gone from the site go at once', () => {
    const noVip = changedSite((v) => { (v.services as { vips: string[] }[])[0]?.vips.splice(0, 1); });
    const gone = addressesIn(opsOf()).filter((a) => !addressesIn(opsOf(noVip)).includes(a));
    expect(gone.length).toBeGreaterThan(0);
    expect(trackAddressDepartures(noVip, opsOf(), opsOf(noVip), [], 0)).toEqual([]);
  });

  it('has nothing leaving when the addresses stay', () => {
    expect(trackAddressDepartures(site, opsOf(), opsOf(), [], 0)).toEqual([]);
  });
});

describe('withLeavingAddresses', () => {
  it('puts the leaving addresses back after the planned ops, saying why', () => {
    const leaving = trackAddressDepartures(withoutL71, opsOf(), opsOf(withoutL71), [], 0);
    const ops = withLeavingAddresses(opsOf(withoutL71), leaving);
    expect(addressesIn(ops).sort()).toEqual(addressesIn(opsOf()).sort());
    expect(ops.at(-1)).toMatchObject({ kind: 'address', why: expect.stringMatching(/kept until the flows it holds have ended/) });
  });
});
