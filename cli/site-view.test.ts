import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StatusReport } from '../agent/observe/status.js';
import { REPO, loadSite } from '../test/helpers/site.js';
import { siteReports, type ReportOptions } from '../test/helpers/site-reports.js';
import { siteView, type SiteReport } from './site-view.js';
import { formatSiteView } from './site-view-table.js';

// lab-small: rt-1, rr-1, l4-1, l4-2, l7-1, l7-2, srv-1, srv-2, dns-1; service web on 198.51.100.1 and 2001:db8::c633:6401.
const site = loadSite(join(REPO, 'lab', 'site-small.yaml'));
const V4 = '198.51.100.1';

function reports(opts: ReportOptions = {}, change?: (r: Map<string, StatusReport>) => void): Map<string, SiteReport> {
  const r = siteReports(site, opts);
  change?.(r);
  return new Map([...r].map(([name, report]) => [name, { ok: true, report }]));
}

/** The report of `node` as loose JSON, to break a field of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (r: Map<string, StatusReport>, node: string): any => r.get(node);

describe('siteView', () => {
  it('finds every promise holding when every report is healthy', () => {
    const view = siteView(site, reports());
    expect(view.broken).toEqual([]);
    expect(view.unreachable).toEqual([]);
    expect(view.vips.map((v) => `${v.service} ${v.vip}`)).toEqual(['web 198.51.100.1', 'web 2001:db8::c633:6401']);
    const [v4] = view.vips;
    expect(v4?.routes).toEqual([{ node: 'rt-1', known: true, nextHops: ['l4-1', 'l4-2'], reason: 'ECMP over 2 L4 node(s)' }]);
    expect(v4?.tables).toMatchObject({ verdict: 'agree', groups: [{ nodes: ['l4-1', 'l4-2'] }], unknown: [] });
    expect(v4?.weights.map((w) => w.l7)).toEqual(['l7-1', 'l7-2']);
    expect(v4?.weights[0]?.cells[1]).toEqual({ node: 'l4-2', known: true, desired: 100, actual: 100, health: 'up' });
    expect(v4?.backends[0]?.cells.map((c) => c.node)).toEqual(['l7-1', 'l7-2']);
    expect(v4?.dns).toEqual([{ node: 'dns-1', known: true, answered: true, reason: 'UP: 2 checks passed' }]);
  });

  it('breaks a promise when no router read has a next hop for a VIP', () => {
    const view = siteView(site, reports({}, (r) => { loose(r, 'rt-1').services[0].vips[0].nextHops = []; }));
    expect(view.broken).toEqual([`web ${V4}: no next hop on any router read (rt-1)`]);
  });

  it('breaks a promise when two announcing L4 nodes hold different Maglev tables, and names both', () => {
    const view = siteView(site, reports({ reversedOn: ['l4-2'] }));
    const tables = view.vips[0]?.tables;
    expect(tables?.verdict).toBe('differ');
    expect(tables?.groups.map((g) => g.nodes)).toEqual([['l4-1'], ['l4-2']]);
    expect(tables?.slots).toBeGreaterThan(0);
    expect(view.broken).toHaveLength(2);
    expect(view.broken[0]).toMatch(new RegExp(`^web ${V4}: the L4 nodes announcing it hold different Maglev tables: l4-1 \\([0-9a-f]{12}\\) vs l4-2 \\([0-9a-f]{12}\\), up to \\d+ of 4093 slots differ$`));
  });

  it('leaves out of the comparison an L4 node that withdrew the VIP', () => {
    const view = siteView(site, reports({ reversedOn: ['l4-2'] }, (r) => {
      for (const v of loose(r, 'l4-2').services[0].vips) Object.assign(v, { announce: 'no', reason: 'disable file present' });
    }));
    expect(view.broken).toEqual([]);
    expect(view.vips[0]?.tables).toMatchObject({ verdict: 'agree', groups: [{ nodes: ['l4-1'] }] });
  });

  it('lists an unreachable node and makes its cells unknown without breaking a promise', () => {
    const r = reports();
    r.set('l4-2', { ok: false, why: 'http://10.0.0.22:9400/status: connect ECONNREFUSED' });
    const view = siteView(site, r);
    expect(view.unreachable).toEqual([{ node: 'l4-2', why: 'http://10.0.0.22:9400/status: connect ECONNREFUSED' }]);
    expect(view.broken).toEqual([]);
    const [v4] = view.vips;
    expect(v4?.l4[1]).toEqual({ node: 'l4-2', known: false, why: 'unreachable' });
    expect(v4?.weights[0]?.cells[1]).toEqual({ node: 'l4-2', known: false, why: 'unreachable' });
    expect(v4?.tables).toMatchObject({ verdict: 'unknown', groups: [{ nodes: ['l4-1'] }], unknown: [{ node: 'l4-2' }] });
  });

  it('treats a node missing from the reports as unreachable', () => {
    const r = reports();
    r.delete('dns-1');
    expect(siteView(site, r).unreachable).toEqual([{ node: 'dns-1', why: 'no report was gathered' }]);
  });

  it('treats a malformed report as unknown, never throwing', () => {
    for (const payload of [null, 42, 'x', [], {}, { services: 5 }, { node: 'l4-1', services: [null, 5, { name: 'web', vips: 'x', maglev: { tables: 7 } }] }]) {
      const r = reports();
      r.set('l4-1', { ok: true, report: payload as unknown as StatusReport });
      const view = siteView(site, r);
      expect(view.vips[0]?.l4[0]?.known).toBe(false);
      expect(view.broken).toEqual([]);
      expect(() => formatSiteView(view)).not.toThrow();
    }
    const r = reports();
    r.set('l4-1', { ok: true, report: { services: 5 } as unknown as StatusReport });
    expect(siteView(site, r).unreachable).toEqual([{ node: 'l4-1', why: 'its answer is not a status report (no services list)' }]);
  });

  it('makes a malformed field unknown in its cell only', () => {
    const view = siteView(site, reports({}, (r) => {
      loose(r, 'rt-1').services[0].vips[0].nextHops = 'l4-1';
      loose(r, 'l7-1').services[0].realServers = 'x';
    }));
    expect(view.vips[0]?.routes[0]).toEqual({ node: 'rt-1', known: false, why: 'no next hops list in its report' });
    expect(view.vips[0]?.backends[0]?.cells[0]).toEqual({ node: 'l7-1', known: false, why: 'no srv-1 in its report' });
    expect(view.broken).toEqual([]);
  });

  it('refuses a report that answers as another node, as when every agent listens on the same address', () => {
    const r = reports();
    r.set('l4-2', r.get('l4-1') as SiteReport);
    expect(siteView(site, r).unreachable).toEqual([{ node: 'l4-2', why: 'its endpoint answered as node "l4-1"' }]);
  });
});

describe('formatSiteView', () => {
  it('prints one block per VIP and ends with "N VIPs, all promises hold"', () => {
    const text = formatSiteView(siteView(site, reports()));
    expect(text).toMatch(new RegExp(`^${V4}  service web  \\(www\\.example\\.org\\)$`, 'm'));
    expect(text).toMatch(/^ {2}routers {5}rt-1 {2}l4-1 l4-2$/m);
    expect(text).toMatch(/^ {2}maglev {6}agree \(l4-1, l4-2\)$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('2 VIPs, all promises hold');
  });

  it('ends with the broken promises and the unreachable nodes', () => {
    const r = reports({ reversedOn: ['l4-2'] });
    r.set('dns-1', { ok: false, why: 'no answer within 3 s' });
    const lines = formatSiteView(siteView(site, r)).trimEnd().split('\n');
    expect(lines.at(-4)).toBe('2 VIPs, 2 promise(s) broken:');
    expect(lines.at(-3)).toMatch(/^ {2}- web 198\.51\.100\.1: the L4 nodes announcing it hold different Maglev tables/);
    expect(lines.at(-1)).toBe('1 node(s) unreachable (dns-1): what they would tell is unknown');
    expect(lines).toContain('  dns-1  no answer within 3 s');
  });
});
