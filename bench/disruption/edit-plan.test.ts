import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { allVips, nodesWithRole, parseSiteText, servicesOnL7, type Site } from '../../site/index.js';
import { labTopology } from '../../lab/topology.js';
import { REPO } from '../../test/helpers/site.js';
import { editPlan, editsBootSite, spareL7 } from './edit-plan.js';

const text = readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8');

const parse = (t: string): Site => {
  const r = parseSiteText(t);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.site;
};
const value = (t: string): unknown => parseDocument(t).toJS();

const boot = editsBootSite(text);
const plan = editPlan(boot.text);
const step = (s: string) => {
  const e = plan.find((x) => x.step === s);
  if (!e) throw new Error(`no step ${s}`);
  return { ...e, before: parse(e.before), after: parse(e.after) };
};

describe('the boot site of the edits scenario', () => {
  it('declares one more L7 node, after the others and on their segment, that only the last service lists', () => {
    const site = parse(boot.text);
    expect(boot.spare).toBe('l7-5');
    expect(spareL7(site)).toBe('l7-5');
    expect(nodesWithRole(site, 'l7').map((n) => [n.name, n.addresses.ipv4, n.addresses.ipv6]).at(-1)).toEqual(['l7-5', '10.0.1.35', 'fd00:1::35']);
    // Not none: HAProxy refuses the haproxy.cfg of an L7 node without a service.
    expect(servicesOnL7(site, 'l7-5' as never).map((s) => s.name)).toEqual(['api']);
    // The lab builds a namespace for it, on the L7 nodes' bridge.
    const t = labTopology(site);
    expect(t.namespaces).toContain('l7-5');
    expect(t.segments.find((s) => s.nodes.includes('l7-1'))?.nodes).toContain('l7-5');
  });

  it('serves what the lab site serves, through one more L7 node for the last service', () => {
    const a = parse(text);
    const b = parse(boot.text);
    expect(b.services.map((s) => [s.name, s.vips, s.ports])).toEqual(a.services.map((s) => [s.name, s.vips, s.ports]));
    expect(b.services.map((s) => s.l7.nodes.join(','))).toEqual(['l7-1,l7-2,l7-3,l7-4', 'l7-1,l7-2,l7-3,l7-4,l7-5']);
  });

  it('is the site itself when some service already leaves out an L7 node', () => {
    expect(editsBootSite(boot.text)).toEqual(boot);
  });
});

describe('the edits, one after the other', () => {
  it('are a to g, each starting from the text the one before left', () => {
    expect(plan.map((e) => e.step)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(plan[0]?.before).toBe(boot.text);
    plan.slice(1).forEach((e, i) => expect(e.before).toBe(plan[i]?.after));
  });

  it('a adds a free IPv4 VIP to the first service', () => {
    const a = step('a');
    expect(a.change).toEqual({ kind: 'vip-added', vip: '198.51.100.5', service: 'web', port: 80 });
    expect(allVips(a.after).filter((v) => !allVips(a.before).includes(v))).toEqual(['198.51.100.5']);
    expect(allVips(a.before).filter((v) => !allVips(a.after).includes(v))).toEqual([]);
  });

  it('b adds a service with a new VIP on port 80, the pool and L7 nodes of the first service', () => {
    const b = step('b');
    expect(b.change).toEqual({ kind: 'service-added', service: 'edits', vip: '198.51.100.6', port: 80 });
    const added = b.after.services.find((s) => s.name === 'edits');
    expect([added?.vips, added?.ports, added?.pool, added?.l7.nodes]).toEqual([['198.51.100.6'], [80], 'web', ['l7-1', 'l7-2', 'l7-3', 'l7-4']]);
    expect(b.after.services.slice(0, -1)).toEqual(b.before.services);
  });

  it('c appends the spare L7 node to the services that did not list it, the one b added included', () => {
    const c = step('c');
    expect(c.change).toEqual({ kind: 'l7-appended', node: 'l7-5', services: ['web', 'edits'] });
    expect(c.after.services.map((s) => [s.name, s.l7.nodes.join(',')])).toEqual([
      ['web', 'l7-1,l7-2,l7-3,l7-4,l7-5'], ['api', 'l7-1,l7-2,l7-3,l7-4,l7-5'], ['edits', 'l7-1,l7-2,l7-3,l7-4,l7-5'],
    ]);
    expect({ ...c.after, services: c.before.services }).toEqual(c.before);
  });

  it('d raises the hold time by 3 s with a keepalive a third of it, and adds a VIP community', () => {
    const d = step('d');
    expect(d.change).toEqual({ kind: 'bgp', holdSeconds: 6, keepaliveSeconds: 2, community: '64512:101' });
    expect([d.after.bgp.holdTime.ms, d.after.bgp.keepalive.ms, [...d.after.bgp.communities.vip]]).toEqual([6000, 2000, ['64512:100', '64512:101']]);
    expect({ ...d.after, bgp: d.before.bgp }).toEqual(d.before);
  });

  it('e moves the agent-check port to a free one, for every node and pool', () => {
    const e = step('e');
    expect(e.change).toEqual({ kind: 'agent-check-port', port: 9301 });
    expect(new Set(e.after.nodes.map((n) => Number(n.agent.agentCheckPort)))).toEqual(new Set([9301]));
    expect(e.after.pools.map((p) => Number(p.agentCheck.port))).toEqual([9301, 9301]);
  });

  it('f removes the spare from the services c appended it to, with the longest timeout of those services as its drain bound', () => {
    const f = step('f');
    expect(f.change).toEqual({ kind: 'l7-removed', node: 'l7-5', services: ['web', 'edits'], drainBoundMs: 60000 });
    expect(f.after.services.map((s) => [s.name, s.l7.nodes.includes('l7-5' as never)])).toEqual([['web', false], ['api', true], ['edits', false]]);
    expect(f.after.services.map((s) => s.l7.nodes.filter((n) => n !== 'l7-5'))).toEqual(f.before.services.map((s) => s.l7.nodes.filter((n) => n !== 'l7-5')));
  });

  it('g removes the VIP a added, and nothing else', () => {
    const g = step('g');
    expect(g.change).toEqual({ kind: 'vip-removed', vip: '198.51.100.5', port: 80 });
    expect(allVips(g.before).filter((v) => !allVips(g.after).includes(v))).toEqual(['198.51.100.5']);
    const { services: _a, ...restBefore } = value(plan.find((x) => x.step === 'g')?.before ?? '') as Record<string, unknown>;
    const { services: _b, ...restAfter } = value(plan.find((x) => x.step === 'g')?.after ?? '') as Record<string, unknown>;
    expect(restAfter).toEqual(restBefore);
  });

  it('refuses a boot site without a spare L7 node', () => {
    expect(() => editPlan(text)).toThrow('expected an L7 node that some service does not list');
  });
});
