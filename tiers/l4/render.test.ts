import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../test/helpers/golden.js';
import { loadSite } from '../../test/helpers/site.js';
import { netOpsText } from '../common/files.js';
import { nodesWithRole, type SiteNode } from '../../site/index.js';
import { planIpvs } from './plan.js';
import { ipvsRulesText, renderL4 } from './render.js';

const site = loadSite();
const l4Nodes = nodesWithRole(site, 'l4');
const fileOf = (node: SiteNode, name: string): string => renderL4(site, node).files.find((f) => f.name === name)?.content ?? '';

describe('renderL4 goldens', () => {
  it('covers the three l4 nodes of the example', () => {
    expect(l4Nodes.map((n) => n.name)).toEqual(['l4-1', 'l4-2', 'l4-3']);
  });

  for (const node of l4Nodes) {
    it(`renders ipvs.rules of ${node.name} like its golden`, () => {
      expectGolden(`l4/${node.name}/ipvs.rules`, fileOf(node, 'ipvs.rules'));
    });
    it(`renders sysctl.conf of ${node.name} like its golden`, () => {
      expectGolden(`l4/${node.name}/sysctl.conf`, fileOf(node, 'sysctl.conf'));
    });
    it(`renders the netops of ${node.name} like its golden`, () => {
      expectGolden(`l4/${node.name}/netops.txt`, netOpsText(renderL4(site, node).netOps));
    });
  }
});

describe('renderL4', () => {
  it('renders nothing for a node that is not an l4 node', () => {
    expect(renderL4(site, site.nodes.find((n) => n.name === 'l7-1') as SiteNode)).toEqual({ files: [], netOps: [] });
  });

  it('renders byte-identical files from a freshly parsed copy of the site', () => {
    const node = l4Nodes[0] as SiteNode;
    expect(renderL4(loadSite(), node)).toEqual(renderL4(site, node));
  });

  it('puts every VIP on the dummy device as a host prefix', () => {
    const ops = renderL4(site, l4Nodes[0] as SiteNode).netOps.filter((op) => op.kind === 'address');
    expect(ops.map((op) => `${op.device} ${op.address}/${op.prefixLength}`)).toEqual([
      'tierlb0 198.51.100.1/32', 'tierlb0 198.51.100.2/32', 'tierlb0 2001:db8::c633:6401/128', 'tierlb0 2001:db8::c633:6402/128',
      'tierlb0 198.51.100.3/32', 'tierlb0 198.51.100.4/32', 'tierlb0 2001:db8::c633:6403/128', 'tierlb0 2001:db8::c633:6404/128',
    ]);
  });

  it('gives a reason for every netop that changes the kernel', () => {
    const ops = renderL4(site, l4Nodes[0] as SiteNode).netOps;
    expect(ops.every((op) => op.kind === 'up' || op.why.length > 0)).toBe(true);
  });
});

describe('ipvsRulesText', () => {
  it('writes IPv6 services and real servers in brackets', () => {
    const lines = ipvsRulesText(planIpvs(site, l4Nodes[0] as SiteNode)).split('\n');
    expect(lines).toContain('-a -t [2001:db8::c633:6401]:80 -r [fd00:1::31]:80 -i -w 100');
  });

  it('prints the weights of the state it is given', () => {
    const text = ipvsRulesText(planIpvs(site, l4Nodes[0] as SiteNode, new Map([['l7-2', 0]])));
    expect(text.split('\n')[2]).toBe('-a -t 198.51.100.1:80 -r 10.0.1.32:80 -i -w 0');
  });

  it('renders an empty state as an empty file', () => {
    expect(ipvsRulesText({ services: [] })).toBe('');
  });
});
