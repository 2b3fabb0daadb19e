import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseSiteText, type Site } from '../../site/index.js';
import { REPO } from '../bundle.js';
import { prometheusConfig, scrapeTargets } from './scrape.js';
import { withAgentsOnOwnAddresses } from './site.js';

const labText = readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8');
const siteOf = (text: string): Site => {
  const r = parseSiteText(text);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.site;
};

describe('the lab site for the dashboard picture', () => {
  it('puts every agent\'s status endpoint on its node\'s own IPv4 address, on the site\'s port', () => {
    const site = siteOf(withAgentsOnOwnAddresses(labText));
    for (const n of site.nodes) expect(n.agent.listen).toEqual({ address: n.addresses.ipv4, port: 9400 });
  });

  it('changes nothing else', () => {
    const before = siteOf(labText);
    const after = siteOf(withAgentsOnOwnAddresses(labText));
    expect(after.services).toEqual(before.services);
    expect(after.nodes.map((n) => ({ ...n, agent: { ...n.agent, listen: null } }))).toEqual(before.nodes.map((n) => ({ ...n, agent: { ...n.agent, listen: null } })));
  });
});

describe('scrapeTargets and prometheusConfig', () => {
  it('refuses agents on loopback, which no other namespace reaches', () => {
    expect(() => scrapeTargets(siteOf(labText))).toThrow(/loopback on rt-1, rt-2/);
  });

  it('scrapes every node\'s agent every 5 s, named by the node', () => {
    const site = siteOf(withAgentsOnOwnAddresses(labText));
    const config = parse(prometheusConfig(scrapeTargets(site))) as { global: { scrape_interval: string }; scrape_configs: { static_configs: { targets: string[]; labels: { instance: string; role: string } }[] }[] };
    expect(config.global.scrape_interval).toBe('5s');
    const statics = config.scrape_configs[0]?.static_configs ?? [];
    expect(statics).toHaveLength(site.nodes.length);
    expect(statics[0]).toEqual({ targets: ['10.0.0.1:9400'], labels: { instance: 'rt-1', role: 'router' } });
  });
});
