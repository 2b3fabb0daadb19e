import { describe, expect, it } from 'vitest';
import { exampleValue, loadSite, parseValue } from '../../test/helpers/site.js';
import type { Site, SiteNode } from '../../site/index.js';
import { flagBits, FULL_WEIGHT } from './model.js';
import { planIpvs } from './plan.js';
import { ipvsRulesText } from './render.js';

const site = loadSite();
const node = (name: string, s: Site = site): SiteNode => s.nodes.find((n) => n.name === name) as SiteNode;
const plan = planIpvs(site, node('l4-1'));
const serviceAt = (vip: string, port: number) => plan.services.find((s) => s.vip === vip && s.port === port);

function withFlags(flags: string[]): Site {
  const raw = exampleValue() as { services: { l4: Record<string, unknown> }[] };
  (raw.services[0] as { l4: Record<string, unknown> }).l4.flags = flags;
  const { site: s, issues } = parseValue(raw);
  if (!s) throw new Error(JSON.stringify(issues));
  return s;
}

describe('planIpvs', () => {
  it('has one service per VIP and port, services then VIPs in file order, ports ascending', () => {
    expect(plan.services.map((s) => `${s.service} ${s.vip} ${s.port}`)).toEqual([
      'web 198.51.100.1 80', 'web 198.51.100.2 80', 'web 2001:db8::c633:6401 80', 'web 2001:db8::c633:6402 80',
      'api 198.51.100.3 80', 'api 198.51.100.3 8443', 'api 198.51.100.4 80', 'api 198.51.100.4 8443',
      'api 2001:db8::c633:6403 80', 'api 2001:db8::c633:6403 8443', 'api 2001:db8::c633:6404 80', 'api 2001:db8::c633:6404 8443',
    ]);
  });

  it('sorts the ports of a service ascending whatever their order in the file', () => {
    const raw = exampleValue() as { services: Record<string, unknown>[] };
    (raw.services[1] as Record<string, unknown>).ports = [8443, 80];
    const reordered = parseValue(raw).site as Site;
    expect(planIpvs(reordered, node('l4-1', reordered)).services.filter((s) => s.vip === '198.51.100.3').map((s) => s.port)).toEqual([80, 8443]);
  });

  it('tunnels to the l7 address of the VIP family on the service port', () => {
    expect(serviceAt('2001:db8::c633:6403', 8443)?.destinations[0]).toEqual({
      node: 'l7-1', address: 'fd00:1::31', port: 8443, forwarding: 'tunnel', weight: FULL_WEIGHT,
    });
  });

  it('uses the mh scheduler over tcp with the flags of the service', () => {
    expect(serviceAt('198.51.100.3', 80)).toMatchObject({ protocol: 'tcp', scheduler: 'mh', flags: ['mh-fallback', 'mh-port'] });
  });

  it('is empty on a node that is not an l4 node', () => {
    expect(planIpvs(site, node('l7-1')).services).toEqual([]);
  });

  it('applies the weight given for an l7 node and full weight to the others', () => {
    const weighted = planIpvs(site, node('l4-1'), new Map([['l7-2', 0], ['l7-4', 40]]));
    expect(weighted.services[0]?.destinations.map((d) => d.weight)).toEqual([FULL_WEIGHT, 0, FULL_WEIGHT, 40]);
  });

  it('refuses a weight that ipvsadm would refuse', () => {
    expect(() => planIpvs(site, node('l4-1'), new Map([['l7-1', 65536]]))).toThrow(/l7-1.*0 to 65535, got 65536/);
  });

  it('refuses a weight that is not an integer', () => {
    expect(() => planIpvs(site, node('l4-1'), new Map([['l7-1', 2.5]]))).toThrow(RangeError);
  });
});

describe('scheduler flags', () => {
  it('are kept in kernel bit order, mh-fallback before mh-port, whatever the file order', () => {
    const s = withFlags(['mh-port', 'mh-fallback']);
    expect(planIpvs(s, node('l4-1', s)).services[0]?.flags).toEqual(['mh-fallback', 'mh-port']);
  });

  it('render as one comma-separated -b argument', () => {
    const s = withFlags(['mh-port', 'mh-fallback']);
    expect(ipvsRulesText(planIpvs(s, node('l4-1', s))).split('\n')[0]).toBe('-A -t 198.51.100.1:80 -s mh -b mh-fallback,mh-port');
  });

  it('render no -b at all when there are none', () => {
    const bare = { services: plan.services.map((s) => ({ ...s, flags: [] })) };
    expect(ipvsRulesText(bare).split('\n')[0]).toBe('-A -t 198.51.100.1:80 -s mh');
  });

  it('map to IP_VS_SVC_F_SCHED1 for mh-fallback and IP_VS_SVC_F_SCHED2 for mh-port', () => {
    expect([flagBits(['mh-fallback']), flagBits(['mh-port']), flagBits(['mh-port', 'mh-fallback'])]).toEqual([0x08, 0x10, 0x18]);
  });
});
