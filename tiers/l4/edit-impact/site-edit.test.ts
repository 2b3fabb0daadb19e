import { describe, expect, it } from 'vitest';
import { exampleValue, loadSite, siteOf } from '../../../test/helpers/site.js';
import type { Site } from '../../../site/index.js';
import { siteEditImpact, type TableEdit } from './site-edit.js';

const before = loadSite();
const L7_5 = { name: 'l7-5', role: 'l7', addresses: { ipv4: '10.0.1.35', ipv6: 'fd00:1::35' } };

/** The example site with its nodes list changed; l7-1..l7-4 are nodes[7..10]. */
function edited(change: (nodes: Record<string, unknown>[]) => Record<string, unknown>[]): Site {
  const value = exampleValue() as { nodes: Record<string, unknown>[] };
  value.nodes = change([...value.nodes]);
  return siteOf(value);
}
const withL7At = (at: number): Site => edited((n) => [...n.slice(0, at), L7_5, ...n.slice(at)]);

function web4(after: Site): TableEdit {
  const e = siteEditImpact(before, after).find((t) => t.service === 'web' && t.family === 'ipv4');
  if (!e) throw new Error('expected the web IPv4 table');
  return e;
}

function impactOf(e: TableEdit) {
  if (e.edit.kind !== 'changed') throw new Error(`expected a changed table, got ${e.edit.kind}`);
  return e.edit.impact;
}

describe('siteEditImpact', () => {
  it('gives one table per service, family and port, with the VIPs that share it', () => {
    const tables = siteEditImpact(before, withL7At(11)).map((t) => `${t.service} ${t.family} ${t.port} ${t.vips.length}`);
    expect(tables).toEqual(['web ipv4 80 2', 'web ipv6 80 2', 'api ipv4 80 2', 'api ipv4 8443 2', 'api ipv6 80 2', 'api ipv6 8443 2']);
  });

  it('moves about one slot in five when a fifth L7 node is appended, and the kernel adds it last', () => {
    const impact = impactOf(web4(withL7At(11)));
    expect(impact.joins.map((d) => d.node)).toEqual(['l7-5']);
    expect(impact.afterLeaving).toEqual({ order: ['l7-1', 'l7-2', 'l7-3', 'l7-4', 'l7-5'], moved: 835 });
    expect(impact.atEdit).toEqual(impact.afterLeaving);
    expect(impact.appended).toBeUndefined();
  });

  it('follows the applier when an L7 node is inserted: the nodes after it are moved behind it', () => {
    const impact = impactOf(web4(withL7At(8)));
    expect(impact.afterLeaving).toEqual({ order: ['l7-1', 'l7-5', 'l7-2', 'l7-3', 'l7-4'], moved: 836 });
    expect(impact.appended?.afterLeaving).toEqual({ order: ['l7-1', 'l7-2', 'l7-3', 'l7-4', 'l7-5'], moved: 835 });
  });

  it('moves slots when existing L7 nodes are only reordered, where keeping the order moves none', () => {
    const impact = impactOf(web4(edited((n) => [...n.slice(0, 7), n[8], n[7], ...n.slice(9)] as Record<string, unknown>[])));
    expect(impact.joins).toEqual([]);
    expect(impact.afterLeaving.order).toEqual(['l7-2', 'l7-1', 'l7-3', 'l7-4']);
    // Order only breaks ties between equal weights: few slots, but not none.
    expect(impact.afterLeaving.moved).toBe(3);
    expect(impact.appended?.afterLeaving.moved).toBe(0);
  });

  it('moves nothing while a removed L7 node sits at weight 0, and its slots once it leaves', () => {
    const e = web4(edited((n) => n.filter((x) => x.name !== 'l7-2')));
    const impact = impactOf(e);
    expect(impact.leaves.map((d) => d.node)).toEqual(['l7-2']);
    expect(impact.atEdit).toEqual({ order: ['l7-1', 'l7-2', 'l7-3', 'l7-4'], moved: 0 });
    expect(impact.afterLeaving).toEqual({ order: ['l7-1', 'l7-3', 'l7-4'], moved: 1183 });
    expect(e.departureBoundMs).toBeGreaterThan(0);
  });

  it('reports a table of a new or dropped family as added or removed, never as moved', () => {
    const v4only = edited((n) => n);
    const value = exampleValue() as { services: { name: string; vips: string[] }[] };
    const web = value.services[0];
    if (web) web.vips = web.vips.filter((v) => !v.includes(':'));
    const edits = siteEditImpact(v4only, siteOf(value));
    expect(edits.find((t) => t.service === 'web' && t.family === 'ipv6')?.edit).toEqual({ kind: 'removed' });
    expect(siteEditImpact(siteOf(value), v4only).find((t) => t.service === 'web' && t.family === 'ipv6')?.edit).toEqual({ kind: 'added' });
  });
});
