import { describe, expect, it } from 'vitest';
import { exampleValue, parseValue } from '../../test/helpers/site.js';
import { nodeNamed, type Site } from '../../site/index.js';
import { renderDns } from './index.js';

type Answer = { name: string; ttl: number; policy: string };
type Raw = { services: { name: string; dns: Answer[] }[] };

function siteWithPolicies(web: string, api: string): Site {
  const value = exampleValue() as unknown as Raw;
  const policies: Record<string, string> = { web, api };
  for (const s of value.services) s.dns = s.dns.map((d) => ({ ...d, policy: policies[s.name] ?? d.policy }));
  const { site, issues } = parseValue(value);
  if (!site) throw new Error(JSON.stringify(issues));
  return site;
}

function configOf(site: Site): string {
  const dns1 = nodeNamed(site, 'dns-1');
  if (!dns1) throw new Error('no dns-1');
  return renderDns(site, dns1).files.find((f) => f.name === 'gdnsd/config')?.content ?? '';
}

describe('DNS policies in the gdnsd config', () => {
  it('renders only a multifo stanza when every name is multifo', () => {
    const config = configOf(siteWithPolicies('multifo', 'multifo'));
    expect(config).toContain('  multifo => {\n');
    expect(config).toContain('    api.example.org => {\n');
    expect(config).not.toContain('metafo');
  });

  it('renders only a metafo stanza when every name is first-up', () => {
    const config = configOf(siteWithPolicies('first-up', 'first-up'));
    expect(config).toContain('  metafo => {\n    resources => {\n');
    expect(config).toContain('      www.example.org => {\n');
    expect(config).not.toContain('multifo => {');
  });

  it('lets one multifo survivor answer alone instead of falling back to every VIP', () => {
    expect(configOf(siteWithPolicies('multifo', 'multifo'))).toContain('      up_thresh => 0.01\n');
  });

  it('lists a first-up name\'s datacenters in failover order', () => {
    expect(configOf(siteWithPolicies('multifo', 'first-up'))).toContain(
      '        datacenters => [ v4-1_v6-1 v4-1_v6-2 v4-2_v6-1 v4-2_v6-2 v4-1 v4-2 v6-1 v6-2 ]\n',
    );
  });
});
