import { describe, expect, it } from 'vitest';
import { exampleValue, loadSite, parseValue } from '../../test/helpers/site.js';
import type { Site, SiteNode } from '../../site/index.js';
import { planIpvs } from './plan.js';

type Raw = Record<string, unknown> & { nodes: Record<string, unknown>[]; services: { l7: Record<string, unknown> }[] };

function siteFrom(edit: (raw: Raw) => void): Site {
  const raw = exampleValue() as Raw;
  edit(raw);
  const { site, issues } = parseValue(raw);
  if (!site) throw new Error(JSON.stringify(issues));
  return site;
}

const l4 = (site: Site): SiteNode => site.nodes.find((n) => n.name === 'l4-1') as SiteNode;
const destNames = (site: Site, service = 0): string[] =>
  (planIpvs(site, l4(site)).services[service]?.destinations ?? []).map((d) => d.node);

/** The kernel keeps destinations newest-first: ip_vs_add_dest adds at the head of the list. */
function kernelList(addOrder: readonly string[], start: readonly string[] = []): string[] {
  return addOrder.reduce((list, name) => [name, ...list], [...start]);
}

const L7_5 = { name: 'l7-5', role: 'l7', addresses: { ipv4: '10.0.1.35', ipv6: 'fd00:1::35' } };

describe('destination order', () => {
  it('follows the order of the l7 nodes in the site file', () => {
    expect(destNames(loadSite())).toEqual(['l7-1', 'l7-2', 'l7-3', 'l7-4']);
  });

  it('follows the file, not the addresses, when the file lists addresses out of order', () => {
    const site = siteFrom((raw) => {
      const [a, b] = [raw.nodes[7], raw.nodes[8]] as [Record<string, unknown>, Record<string, unknown>];
      [a.addresses, b.addresses] = [b.addresses, a.addresses];
    });
    expect(planIpvs(site, l4(site)).services[0]?.destinations.map((d) => d.address)).toEqual([
      '10.0.1.32', '10.0.1.31', '10.0.1.33', '10.0.1.34',
    ]);
  });

  it('keeps the site order for a service served by a subset of l7 nodes listed out of order', () => {
    const site = siteFrom((raw) => { (raw.services[0] as { l7: Record<string, unknown> }).l7.nodes = ['l7-4', 'l7-2']; });
    expect(destNames(site, 0)).toEqual(['l7-2', 'l7-4']);
  });

  it('appends an l7 node added at the end of the file after the existing ones', () => {
    const site = siteFrom((raw) => { raw.nodes.push(L7_5); });
    expect(destNames(site)).toEqual(['l7-1', 'l7-2', 'l7-3', 'l7-4', 'l7-5']);
  });

  it('gives a long-running node that appended the new l7 node the same kernel list as a fresh node', () => {
    const before = destNames(loadSite());
    const after = destNames(siteFrom((raw) => { raw.nodes.push(L7_5); }));
    const longRunning = kernelList(after.slice(before.length), kernelList(before));
    expect(longRunning).toEqual(kernelList(after));
  });
});
