import { describe, expect, it } from 'vitest';
import { exampleValue, loadSite, parseValue } from '../../test/helpers/site.js';
import type { Site, SiteNode } from '../../site/index.js';
import { tableDigest, tableText } from './digest.js';
import type { IpvsService } from './model.js';
import { planIpvs } from './plan.js';

const site = loadSite();
const node = (name: string, s: Site = site): SiteNode => s.nodes.find((n) => n.name === name) as SiteNode;
const digests = (name: string, s: Site = site, weights?: ReadonlyMap<string, number>): string[] =>
  planIpvs(s, node(name, s), weights).services.map(tableDigest);
const first = planIpvs(site, node('l4-1')).services[0] as IpvsService;

describe('tableDigest', () => {
  it('is 12 lowercase hex characters', () => {
    expect(tableDigest(first)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('hashes the canonical text of the table', () => {
    expect(tableText(first)).toBe(
      'tcp 198.51.100.1:80 mh mh-fallback; 10.0.1.31:80 100; 10.0.1.32:80 100; 10.0.1.33:80 100; 10.0.1.34:80 100',
    );
  });

  it('is the same on the three l4 nodes', () => {
    expect(digests('l4-2')).toEqual(digests('l4-1'));
    expect(digests('l4-3')).toEqual(digests('l4-1'));
  });

  it('changes when the destination order changes', () => {
    const swapped = { ...first, destinations: [first.destinations[1], first.destinations[0], ...first.destinations.slice(2)] } as IpvsService;
    expect(tableDigest(swapped)).not.toBe(tableDigest(first));
  });

  it('changes when the l7 nodes are reordered in the file', () => {
    const raw = exampleValue() as { nodes: unknown[] };
    [raw.nodes[7], raw.nodes[8]] = [raw.nodes[8], raw.nodes[7]];
    const reordered = parseValue(raw).site as Site;
    expect(digests('l4-1', reordered)[0]).not.toBe(digests('l4-1')[0]);
  });

  it('changes when a weight changes', () => {
    expect(digests('l4-1', site, new Map([['l7-3', 0]]))[0]).not.toBe(digests('l4-1')[0]);
  });

  it('changes when the flags change', () => {
    expect(tableDigest({ ...first, flags: ['mh-port'] })).not.toBe(tableDigest(first));
  });
});
