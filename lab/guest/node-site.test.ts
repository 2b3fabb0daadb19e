import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodesWithRole, parseSiteText, type Site } from '../../site/index.js';
import { REPO } from '../../test/helpers/site.js';
import { siteWithout } from './node-site.js';

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
