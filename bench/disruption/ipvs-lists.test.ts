import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSiteText, type Site } from '../../site/index.js';
import { REPO } from '../../test/helpers/site.js';
import type { KernelService } from '../../tiers/l4/kernel.js';
import { listDifference, wantedLists } from './ipvs-lists.js';
import { movedBootSite, movedPlan } from './moved-plan.js';

const parse = (t: string): Site => {
  const r = parseSiteText(t);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.site;
};
const boot = movedBootSite(readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8')).text;
const ADDR: Record<string, string> = {};
for (const n of parse(boot).nodes) {
  if (n.addresses.ipv4) ADDR[n.addresses.ipv4] = n.name;
  if (n.addresses.ipv6) ADDR[n.addresses.ipv6] = n.name;
}
const nodeOf = (a: string): string => ADDR[a] ?? a;
const addressOf = (node: string, family: 'ipv4' | 'ipv6'): string => parse(boot).nodes.find((n) => n.name === node)?.addresses[family] ?? '?';

/** The kernel's view of `text`'s plan, with one change made to it. */
function kernelOf(text: string, change: (s: KernelService) => KernelService = (s) => s): KernelService[] {
  return wantedLists(parse(text)).map((w) => change({
    protocol: 'tcp', vip: w.vip, port: w.port, scheduler: 'mh', flags: [],
    destinations: w.destinations.map((d) => {
      const [node = '', weight = '0'] = d.split(' ');
      return { address: addressOf(node, w.vip.includes(':') ? 'ipv6' : 'ipv4'), port: w.port, forwarding: 'tunnel', weight: Number(weight), activeConns: 0, inactiveConns: 0 };
    }),
  }));
}

describe('wantedLists', () => {
  it('lists every IPVS service of the site with its L7 nodes in the site\'s order, at full weight', () => {
    const lists = wantedLists(parse(boot));
    expect(lists).toHaveLength(12);
    expect(lists.find((l) => l.vip === '198.51.100.3' && l.port === 80)?.destinations).toEqual(['l7-1 100', 'l7-2 100', 'l7-3 100', 'l7-4 100']);
    expect(lists.find((l) => l.vip === '198.51.100.1')?.destinations).toEqual(['l7-1 100', 'l7-2 100', 'l7-3 100', 'l7-4 100', 'l7-5 100']);
  });

  it('is the kernel list tierlb plan predicts for the measured tables after each edit', () => {
    const plan = movedPlan(boot);
    for (const e of plan.edits) {
      for (const p of e.predictions) {
        expect(wantedLists(parse(e.after)).find((l) => l.vip === p.vip && l.port === p.port)?.destinations.map((d) => d.split(' ')[0])).toEqual(p.kernelList);
      }
    }
  });
});

describe('listDifference', () => {
  const wanted = wantedLists(parse(boot));

  it('finds none when every service holds its list', () => {
    expect(listDifference(kernelOf(boot), wanted, nodeOf)).toBeUndefined();
  });

  it('finds a destination still at weight 0, as a leaving L7 node is kept', () => {
    const k = kernelOf(boot, (s) => (s.vip === '198.51.100.3' && s.port === 8443 ? { ...s, destinations: s.destinations.map((d, i) => (i === 0 ? { ...d, weight: 0 } : d)) } : s));
    expect(listDifference(k, wanted, nodeOf)).toBe('198.51.100.3:8443: l7-1 0, l7-2 100, l7-3 100, l7-4 100 (expected l7-1 100, l7-2 100, l7-3 100, l7-4 100)');
  });

  it('finds another order, and an L7 node too many', () => {
    const swapped = kernelOf(boot, (s) => (s.vip === '198.51.100.3' && s.port === 80 ? { ...s, destinations: [...s.destinations].reverse() } : s));
    expect(listDifference(swapped, wanted, nodeOf)).toMatch(/^198\.51\.100\.3:80: l7-4 100, l7-3 100/);
    const b = movedPlan(boot).edits[1]?.after ?? '';
    expect(listDifference(kernelOf(b), wanted, nodeOf)).toMatch(/^198\.51\.100\.1:80: l7-1 100, l7-2 100, l7-5 100/);
  });

  it('finds a missing service, and takes an IPv6 VIP however the kernel spells it', () => {
    expect(listDifference(kernelOf(boot).slice(1), wanted, nodeOf)).toBe('no IPVS service 198.51.100.1:80');
    const spelled = kernelOf(boot, (s) => (s.vip.includes(':') ? { ...s, vip: s.vip.replace('2001:db8::', '2001:0db8:0:0::') } : s));
    expect(listDifference(spelled, wanted, nodeOf)).toBeUndefined();
  });
});
