import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSiteText, type IpAddress, type Site } from '../../site/index.js';
import { clientsOf } from '../../lab/topology.js';
import { REPO } from '../../test/helpers/site.js';
import { foldAddress } from '../../tiers/l4/maglev/hash-key.js';
import { movedBootSite, movedPlan } from './moved-plan.js';
import { modelChoices, SOURCE_PORTS, tupleKey, tupleSet } from './moved-tuples.js';

const clients = { ipv4: clientsOf('ipv4'), ipv6: clientsOf('ipv6') };
const tuples = tupleSet(clients, ['ipv4', 'ipv6']);
const parse = (t: string): Site => {
  const r = parseSiteText(t);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.site;
};

describe('tupleSet', () => {
  it('gives 4000 tuples per family, every user address with every port, the families interleaved', () => {
    expect(tuples.filter((t) => t.family === 'ipv4')).toHaveLength(4000);
    expect(tuples.filter((t) => t.family === 'ipv6')).toHaveLength(4000);
    expect(tuples.slice(0, 4).map((t) => `${t.family} ${t.client} ${t.port}`)).toEqual([
      'ipv4 203.0.113.1 10000', 'ipv6 2001:db8::cb00:7101 10000', 'ipv4 203.0.113.2 10000', 'ipv6 2001:db8::cb00:7102 10000',
    ]);
    expect(new Set(tuples.map((t) => tupleKey(t.family, t.client, t.port))).size).toBe(8000);
  });

  it('stops at the bound per family', () => {
    expect(tupleSet(clients, ['ipv4'], SOURCE_PORTS, 250)).toHaveLength(250);
  });

  it('uses source ports below the users\' ephemeral range', () => {
    expect(Math.max(...SOURCE_PORTS)).toBeLessThan(32768);
  });

  it('gives every tuple of a family its own hash input (folded address plus port), so no two share a slot by construction', () => {
    for (const family of ['ipv4', 'ipv6'] as const) {
      const inputs = tuples.filter((t) => t.family === family).map((t) => (foldAddress(t.client as IpAddress, family) + t.port) >>> 0);
      expect(new Set(inputs).size).toBe(4000);
    }
  });

  it('keys a tuple the same whatever the spelling of its address', () => {
    expect(tupleKey('ipv6', '2001:db8::203.0.113.5', 10000)).toBe(tupleKey('ipv6', '2001:db8::cb00:7105', 10000));
    expect(tupleKey('ipv4', '203.0.113.5', 10000)).not.toBe(tupleKey('ipv4', '203.0.113.5', 11024));
  });
});

describe('modelChoices on the lab site', () => {
  const boot = movedBootSite(readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8')).text;
  const plan = movedPlan(boot);

  it('sends every tuple of the family somewhere, and only to the service\'s L7 nodes', () => {
    const table = plan.tables[0];
    if (!table) throw new Error('no table');
    const choices = modelChoices(parse(boot), plan.service, table, tuples);
    expect(choices.size).toBe(4000);
    expect(new Set(choices.values())).toEqual(new Set(['l7-1', 'l7-2', 'l7-3', 'l7-4']));
  });

  it('moves within 1 pp of tierlb plan\'s share on these very tuples, so the sample alone cannot miss 2 pp', () => {
    for (const e of plan.edits) {
      for (const p of e.predictions) {
        const before = modelChoices(parse(boot), plan.service, p, tuples);
        const after = modelChoices(parse(e.after), plan.service, p, tuples);
        const moved = [...before].filter(([k, v]) => after.get(k) !== v).length;
        expect(Math.abs((moved / before.size) * 100 - p.percent)).toBeLessThan(1);
      }
    }
  });
});
