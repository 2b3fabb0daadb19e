import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import type { IpAddress, Site, SiteNode } from '../../site/index.js';
import { explainFlow, maglevServiceOf } from './explain.js';
import { buildMaglevTable } from './maglev/index.js';
import type { IpvsService } from './model.js';
import { planIpvs } from './plan.js';

const ip = (s: string): IpAddress => s as IpAddress;

function serviceOf(site: Site, vip: string, port: number): IpvsService {
  const l4 = site.nodes.find((n) => n.role === 'l4') as SiteNode;
  const found = planIpvs(site, l4).services.find((s) => s.vip === vip && s.port === port);
  if (!found) throw new Error(`no service ${vip}:${port}`);
  return found;
}

describe('explainFlow', () => {
  const site = loadSite();

  it('names the L7 node of the flow, and the one mh-fallback picks when it is drained', () => {
    const e = explainFlow(serviceOf(site, '198.51.100.1', 80), { client: ip('192.0.2.7'), port: 1 });
    expect(e.now).toEqual({ kind: 'to', node: 'l7-1', address: '10.0.1.31', slot: 1589, fellBack: false });
    expect(e.drained).toEqual({ node: 'l7-1', outcome: { kind: 'to', node: 'l7-4', address: '10.0.1.34', slot: 1589, fellBack: true } });
  });

  it('hashes the client port of an mh-port service', () => {
    const api = serviceOf(site, '198.51.100.3', 8443);
    const slots = [1024, 2048, 4096, 40000].map((port) => {
      const e = explainFlow(api, { client: ip('192.0.2.7'), port });
      return e.now.kind === 'to' ? e.now.slot : -1;
    });
    expect(new Set(slots).size).toBe(4);
  });

  // The site parser insists on mh-fallback; a service without it is hand-made here.
  it('says the flow is refused when its L7 node is drained and the service has no mh-fallback', () => {
    const e = explainFlow({ ...serviceOf(site, '198.51.100.1', 80), flags: [] }, { client: ip('192.0.2.7'), port: 1 });
    expect(e.now).toMatchObject({ kind: 'to', node: 'l7-1' });
    expect(e.drained?.outcome).toEqual({ kind: 'refused', reason: 'the L7 node is drained and the service has no mh-fallback' });
  });
});

describe('maglevServiceOf', () => {
  it('keeps a drained L7 node in the table with the weight it had', () => {
    const web = serviceOf(loadSite(), '198.51.100.1', 80);
    const drained = { ...web, destinations: web.destinations.map((d, i) => (i === 0 ? { ...d, weight: 0 } : d)) };
    expect(buildMaglevTable(maglevServiceOf(drained, web)).slots).toEqual(buildMaglevTable(maglevServiceOf(web)).slots);
    expect(maglevServiceOf(drained, web).realServers[0]).toMatchObject({ weight: 0, lastWeight: 100 });
  });
});
