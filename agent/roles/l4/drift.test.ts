import { describe, expect, it } from 'vitest';
import { loadSite, nodeOf } from '../../../test/helpers/site.js';
import { applyIpvs } from '../../../tiers/l4/apply.js';
import { FakeIpvs } from '../../../test/fakes/ipvs.js';
import { planIpvs } from '../../../tiers/l4/index.js';
import { describeDrift, driftByService, UNPLANNED } from './drift.js';

const site = loadSite();
const l4 = nodeOf(site, 'l4-1');
const table = planIpvs(site, l4);

async function kernel(): Promise<FakeIpvs> {
  const k = new FakeIpvs();
  await applyIpvs(k, table);
  return k;
}

describe('describeDrift', () => {
  it('finds nothing when the kernel holds the verified table', async () => {
    expect(describeDrift(table, (await kernel()).services)).toEqual([]);
  });

  it('names a destination deleted by hand and a weight edited by hand, per service', async () => {
    const k = await kernel();
    const svc = k.services[0];
    if (!svc) throw new Error('expected a service');
    const [edited, gone] = [svc.destinations[1], svc.destinations[svc.destinations.length - 1]];
    Object.assign(svc, { destinations: svc.destinations.slice(0, -1) });
    if (edited) Object.assign(edited, { weight: 7 });
    const lines = describeDrift(table, k.services);
    expect(lines.map((l) => l.service)).toEqual(['web', 'web']);
    expect(lines[0]?.text).toMatch(new RegExp(`real server l7-4 ${gone?.address ?? '?'}:80 missing from the kernel \\(plan: weight 100\\)`));
    expect(lines[1]?.text).toMatch(/real server l7-2 .* has tunnel weight 7 in the kernel, plan tunnel weight 100/);
    expect([...driftByService(lines).keys()]).toEqual(['web']);
  });

  it('names the destinations a hand-made deletion leaves out of Maglev order, and a weight that also differs', async () => {
    const k = await kernel();
    const svc = k.services[0];
    if (!svc) throw new Error('expected a service');
    const edited = svc.destinations[2];
    Object.assign(svc, { destinations: svc.destinations.slice(1) });
    if (edited) Object.assign(edited, { weight: 7 });
    const lines = describeDrift(table, k.services);
    expect(lines.map((l) => [l.text.replace(/^.*real server (l7-\d).*?(out of Maglev order|missing).*$/, '$1 $2'), l.order ?? false])).toEqual([
      ['l7-1 missing', false], ['l7-2 out of Maglev order', true], ['l7-3 out of Maglev order', false], ['l7-4 out of Maglev order', true],
    ]);
    expect(lines[2]?.text).toMatch(/out of Maglev order in the kernel, and has weight 7 in the kernel, plan 100$/);
  });

  it('names a lost service once, and a service the plan does not have', async () => {
    const k = await kernel();
    const first = k.services[0];
    if (!first) throw new Error('expected a service');
    k.services = [...k.services.slice(1), { ...first, vip: '192.0.2.99', destinations: [] }];
    const lines = describeDrift(table, k.services);
    expect(lines.filter((l) => l.text.includes(`${first.vip}:${first.port}`)).map((l) => l.text)).toEqual([`service tcp ${first.vip}:${first.port} missing from the kernel`]);
    expect(lines.find((l) => l.service === UNPLANNED)?.text).toBe(`service tcp 192.0.2.99:${first.port} in the kernel but not in the plan`);
  });
});
