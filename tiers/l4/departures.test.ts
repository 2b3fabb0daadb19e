import { describe, expect, it } from 'vitest';
import { exampleValue, nodeOf, siteOf } from '../../test/helpers/site.js';
import type { KernelService } from './kernel.js';
import { planIpvs } from './plan.js';
import { departureBoundMs, stillDeparting, trackDepartures, withDepartures, type KernelReading } from './departures.js';

type Value = Record<string, unknown> & { services: Record<string, unknown>[] };
const withL7 = (nodes: string[]) => {
  const v = exampleValue() as Value;
  for (const s of v.services) (s.l7 as Record<string, unknown>).nodes = nodes;
  return siteOf(v);
};
const all = withL7(['l7-1', 'l7-2', 'l7-3', 'l7-4']);
const without2 = withL7(['l7-1', 'l7-3', 'l7-4']);
const table = (site: typeof all) => planIpvs(site, nodeOf(site, 'l4-1'));
const web = (t: ReturnType<typeof table>) => t.services.find((s) => s.vip === '198.51.100.1' && s.port === 80);

function kernelWith(conns: number, at = 1500): KernelReading {
  return { at, table: kernelTable(conns) };
}

function kernelTable(conns: number): KernelService[] {
  return table(all).services.map((s) => ({
    protocol: s.protocol, vip: s.vip, port: s.port, scheduler: 'mh', flags: [],
    destinations: s.destinations.map((d) => ({ address: d.address, port: d.port, forwarding: 'tunnel' as const, weight: d.weight, activeConns: d.node === 'l7-2' ? conns : 0, inactiveConns: 0 })),
  }));
}

describe('departures of L7 nodes removed from a service', () => {
  it('keeps a removed L7 node with weight 0 in its former place', () => {
    const leaving = trackDepartures(table(all), table(without2), [], 1000);
    const next = withDepartures(table(without2), table(all), leaving);
    expect(web(next)?.destinations.map((d) => `${d.node}=${d.weight}`)).toEqual(['l7-1=100', 'l7-2=0', 'l7-3=100', 'l7-4=100']);
  });

  it('keeps the time the node first left across turns', () => {
    const first = trackDepartures(table(all), table(without2), [], 1000);
    const kept = withDepartures(table(without2), table(all), first);
    const again = trackDepartures(kept, table(without2), first, 5000);
    expect(new Set(again.map((d) => d.since))).toEqual(new Set([1000]));
  });

  it('lets the node go once the kernel shows none of its connections', () => {
    const leaving = trackDepartures(table(all), table(without2), [], 1000);
    expect(stillDeparting(without2, leaving, kernelWith(3), 2000)).toHaveLength(leaving.length);
    expect(stillDeparting(without2, leaving, kernelWith(0), 2000)).toEqual([]);
  });

  it('does not take a table read before the node left for its connections being gone', () => {
    const leaving = trackDepartures(table(all), table(without2), [], 1000);
    expect(stillDeparting(without2, leaving, kernelWith(0, 900), 2000)).toHaveLength(leaving.length);
  });

  it('lets the node go once the service\'s longest timeout has passed, connections or not', () => {
    const leaving = trackDepartures(table(all), table(without2), [], 1000);
    const bound = departureBoundMs(without2.services[0]);
    expect(bound).toBe(60000);
    expect(stillDeparting(without2, leaving, kernelWith(3), 1000 + bound)).toEqual([]);
  });

  it('does not bring a node back once it has gone', () => {
    const leaving = trackDepartures(table(all), table(without2), [], 1000);
    const gone = stillDeparting(without2, leaving, kernelWith(0), 2000);
    const next = withDepartures(table(without2), table(all), gone);
    expect(trackDepartures(next, table(without2), gone, 3000)).toEqual([]);
  });

  it('forgets the departure of a node added back to the service', () => {
    const leaving = trackDepartures(table(all), table(without2), [], 1000);
    const kept = withDepartures(table(without2), table(all), leaving);
    expect(trackDepartures(kept, table(all), leaving, 2000)).toEqual([]);
  });

  it('keeps nothing of a service removed from the site', () => {
    const v = exampleValue() as Value;
    v.services = v.services.slice(1);
    const smaller = siteOf(v);
    expect(trackDepartures(table(all), table(smaller), [], 1000).some((d) => d.vip === '198.51.100.1')).toBe(false);
  });
});
