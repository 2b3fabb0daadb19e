// Sites for the ECMP tests (unit and daemons): the example with gobgp L4
// speakers, the same with BIRD speakers, and BIRD speakers peering directly
// with the routers over eBGP (the only layout where BFD is rendered).
import { nodeNamed, type Site, type SiteNode } from '../../site/index.js';
import { exampleValue, loadSite, parseValue } from '../../test/helpers/site.js';

export function nodeOf(site: Site, name: string): SiteNode {
  const node = nodeNamed(site, name);
  if (!node) throw new Error(`test site has no node ${name}`);
  return node;
}

/** The example with `change` applied to its plain value, parsed; throws on issues. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function changedSite(change: (value: Record<string, any>) => void): Site {
  const value = exampleValue();
  change(value);
  const { site, issues } = parseValue(value);
  if (!site) throw new Error(`changed example is invalid: ${JSON.stringify(issues)}`);
  return site;
}

export const birdSpeakerSite = (): Site => changedSite((v) => { v.bgp.speaker = 'bird'; });

export const birdDirectSite = (): Site => changedSite((v) => {
  v.bgp.speaker = 'bird';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  for (const n of v.nodes as Record<string, any>[]) {
    if (n.role === 'router') delete n.peers;
    if (n.role === 'l4') Object.assign(n, { asn: 64513, peers: ['rt-1', 'rt-2'] });
  }
});

/** Golden folder (under test/golden/ecmp) → site. */
export function ecmpVariants(): Record<string, Site> {
  return { '.': loadSite(), 'bird-speaker': birdSpeakerSite(), 'bird-direct': birdDirectSite() };
}

export const bgpNodes = (site: Site): SiteNode[] =>
  site.nodes.filter((n) => n.role === 'router' || n.role === 'reflector' || n.role === 'l4');
