import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodesWithRole, parseSiteText, type Site } from '../../site/index.js';
import { REPO } from '../../test/helpers/site.js';
import { nodeSiteFile } from '../script.js';
import { labTopology } from '../topology.js';
import type { LabEnv } from './env.js';
import { siteWithout, writeEveryNodeSite } from './node-site.js';

const text = readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8');

const parse = (t: string): Site => {
  const r = parseSiteText(t);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.site;
};

describe('a site without one node', () => {
  it('is the text without the node\'s line: the other nodes in their order, every other byte kept', () => {
    const out = siteWithout(text, 'l7-2');
    expect(out).toBe(text.replace('  - { name: l7-2, role: l7, addresses: { ipv4: 10.0.1.32, ipv6: "fd00:1::32" } }\n', ''));
    expect(nodesWithRole(parse(out), 'l7').map((n) => n.name)).toEqual(['l7-1', 'l7-3', 'l7-4']);
  });

  it('drops it from the services that name their L7 nodes, wherever it stands in the list', () => {
    const named = text.replace('      mode: http\n', '      mode: http\n      nodes: [l7-1, l7-2, l7-3]\n')
      .replace('      mode: tcp\n', '      mode: tcp\n      nodes: [l7-4, l7-3, l7-2]\n');
    expect(parse(named).services.map((s) => [...s.l7.nodes].sort())).toEqual([['l7-1', 'l7-2', 'l7-3'], ['l7-2', 'l7-3', 'l7-4']]);
    const out = siteWithout(named, 'l7-2');
    expect(parse(out).services.map((s) => [...s.l7.nodes].sort())).toEqual([['l7-1', 'l7-3'], ['l7-3', 'l7-4']]);
    expect(out).toContain('      nodes: [l7-4, l7-3]\n');
  });

  it('drops a node written as a block map, its lines only', () => {
    const block = text.replace('  - { name: l7-2, role: l7, addresses: { ipv4: 10.0.1.32, ipv6: "fd00:1::32" } }\n',
      '  - name: l7-2   # the second\n    role: l7\n    addresses: { ipv4: 10.0.1.32, ipv6: "fd00:1::32" }\n');
    expect(siteWithout(block, 'l7-2')).toBe(siteWithout(text, 'l7-2'));
  });

  it('refuses a node the site does not have', () => {
    expect(() => siteWithout(text, 'l7-9')).toThrow('expected a node named l7-9');
  });
});

describe('every node\'s copy of the site', () => {
  const lab = (): LabEnv => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tierlb-node-site-'));
    const topology = labTopology(parse(text));
    for (const n of topology.nodes) {
      mkdirSync(join(stateDir, 'nodes', n.name, 'site'), { recursive: true });
      writeFileSync(nodeSiteFile(stateDir, n.name), text);
    }
    return { stateDir, topology } as LabEnv;
  };

  it('is replaced on every node by renames, leaving no file beside it', () => {
    const env = lab();
    const edited = siteWithout(text, 'l7-4');
    const at = writeEveryNodeSite(env, edited);
    for (const n of env.topology.nodes) {
      expect(readFileSync(nodeSiteFile(env.stateDir, n.name), 'utf8')).toBe(edited);
      expect(readdirSync(join(env.stateDir, 'nodes', n.name, 'site'))).toEqual(['site.yaml']);
    }
    expect(at.last).toBeGreaterThanOrEqual(at.first);
  });

  it('refuses a text the agents would refuse, and leaves every copy as it was', () => {
    const env = lab();
    expect(() => writeEveryNodeSite(env, text.replace('asn: 64512', 'asn: nope'))).toThrow('does not validate');
    for (const n of env.topology.nodes) expect(readFileSync(nodeSiteFile(env.stateDir, n.name), 'utf8')).toBe(text);
  });
});
