import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { nodesWithRole, parseSiteText, type Site } from '../../site/index.js';
import { labTopology } from '../../lab/topology.js';
import { REPO } from '../../test/helpers/site.js';
import { siteEditImpact } from '../../tiers/l4/edit-impact/index.js';
import { editsBootSite } from './edit-plan.js';
import { movedBootSite, movedPlan, withL7NodeInsertedAfter } from './moved-plan.js';

const text = readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8');
const parse = (t: string): Site => {
  const r = parseSiteText(t);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.site;
};
const boot = movedBootSite(text);
const plan = movedPlan(boot.text);
const edit = (step: 'a' | 'b') => {
  const e = plan.edits.find((x) => x.step === step);
  if (!e) throw new Error(`no edit ${step}`);
  return e;
};
const lists = (t: string): string[] => parse(t).services.map((s) => `${s.name}: ${s.l7.nodes.join(',')}`);
const l7Order = (t: string): string[] => nodesWithRole(parse(t), 'l7').map((n) => n.name);

describe('the boot site of the moved scenario', () => {
  it('declares a spare L7 node last, served by web, so that api (mh-port) can gain it', () => {
    expect(boot.spare).toBe('l7-5');
    expect(l7Order(boot.text)).toEqual(['l7-1', 'l7-2', 'l7-3', 'l7-4', 'l7-5']);
    expect(lists(boot.text)).toEqual(['web: l7-1,l7-2,l7-3,l7-4,l7-5', 'api: l7-1,l7-2,l7-3,l7-4']);
    expect(labTopology(parse(boot.text)).namespaces).toContain('l7-5');
  });

  it('measures api on its first port, one VIP per family', () => {
    expect(plan.service).toBe('api');
    expect(plan.tables).toEqual([{ family: 'ipv4', vip: '198.51.100.3', port: 80 }, { family: 'ipv6', vip: '2001:db8::c633:6403', port: 80 }]);
  });

  it('refuses the edits scenario\'s boot site, where api lists the spare already', () => {
    expect(() => movedPlan(editsBootSite(text).text)).toThrow('expected a service with the mh-port flag that does not list l7-5');
  });
});

describe('the two edits', () => {
  it('a appends the spare to api and changes nothing else', () => {
    const a = edit('a');
    expect(lists(a.after)).toEqual(['web: l7-1,l7-2,l7-3,l7-4,l7-5', 'api: l7-1,l7-2,l7-3,l7-4,l7-5']);
    expect(l7Order(a.after)).toEqual(l7Order(boot.text));
    expect(a.others.every((o) => o.startsWith('api '))).toBe(true);
  });

  it('b inserts the spare after l7-2, in api\'s list and in the declarations, which are the Maglev order', () => {
    const b = edit('b');
    expect(l7Order(b.after)).toEqual(['l7-1', 'l7-2', 'l7-5', 'l7-3', 'l7-4']);
    expect(lists(b.after)).toEqual(['web: l7-1,l7-2,l7-5,l7-3,l7-4', 'api: l7-1,l7-2,l7-5,l7-3,l7-4']);
    const api = (parseDocument(b.after).toJS() as { services: { name: string; l7: { nodes: string[] } }[] }).services.find((s) => s.name === 'api');
    expect(api?.l7.nodes).toEqual(['l7-1', 'l7-2', 'l7-5', 'l7-3', 'l7-4']);
    // Moving the declaration reorders web's table too: a few slots, which tierlb plan reports beside.
    expect(b.others.filter((o) => o.startsWith('web '))).toHaveLength(2);
  });

  it('each predicts about a fifth of the table for both families, with the kernel list tierlb plan prints', () => {
    for (const e of plan.edits) {
      expect(e.predictions.map((p) => p.family)).toEqual(['ipv4', 'ipv6']);
      for (const p of e.predictions) expect(p.percent).toBeGreaterThan(18);
      for (const p of e.predictions) expect(p.percent).toBeLessThan(22);
    }
    expect(edit('a').predictions.map((p) => p.kernelList.join(','))).toEqual(['l7-1,l7-2,l7-3,l7-4,l7-5', 'l7-1,l7-2,l7-3,l7-4,l7-5']);
    expect(edit('b').predictions.map((p) => p.kernelList.join(','))).toEqual(['l7-1,l7-2,l7-5,l7-3,l7-4', 'l7-1,l7-2,l7-5,l7-3,l7-4']);
  });

  it('is tierlb plan\'s own figure: the slots siteEditImpact counts, of the 4093', () => {
    const t = siteEditImpact(parse(boot.text), parse(edit('a').after)).find((x) => x.service === 'api' && x.family === 'ipv4' && x.port === 80);
    const slots = t?.edit.kind === 'changed' ? t.edit.impact.afterLeaving.moved : -1;
    expect(slots).toBe(835);
    expect(edit('a').predictions[0]?.percent).toBeCloseTo((835 / 4093) * 100, 10);
  });
});

describe('withL7NodeInsertedAfter', () => {
  it('refuses a service that lists the node already', () => {
    expect(() => withL7NodeInsertedAfter(boot.text, 'l7-5', 'l7-2', 'web')).toThrow('web lists it already');
  });
  it('refuses a node that is not declared', () => {
    expect(() => withL7NodeInsertedAfter(boot.text, 'l7-9', 'l7-2', 'api')).toThrow('expected both declared in nodes');
  });
});
