import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { allVips, nodesWithRole, parseSiteText, type Site } from '../../site/index.js';
import { REPO } from '../../test/helpers/site.js';
import {
  nextFreeVip, withAgentCheckPort, withBgp, withExplicitL7Nodes, withL7NodeAppended, withL7NodeRemoved, withMssClamp, withConnectionSync, withBfd, withNode, withoutVip, withService, withServiceSetting, withVip,
} from './site-edits.js';

const text = readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8');

const parse = (t: string): Site => {
  const r = parseSiteText(t);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.site;
};

type Value = Record<string, unknown> & { services: Record<string, unknown>[]; nodes: Record<string, unknown>[]; bgp: Record<string, unknown> };
/** The text's value, to compare an edited text with the original changed by hand. */
const value = (t: string): Value => parseDocument(t).toJS() as Value;
const service = (v: Value, name: string): Record<string, unknown> & { vips: string[]; l7: Record<string, unknown> } => {
  const s = v.services.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name}`);
  return s as Record<string, unknown> & { vips: string[]; l7: Record<string, unknown> };
};

const spare = { name: 'l7-5', role: 'l7', addresses: { ipv4: '10.0.1.35', ipv6: 'fd00:1::35' } };
/** The lab site with every service's L7 nodes listed and l7-5 declared, serving nothing. */
const withSpare = withNode(withExplicitL7Nodes(text, parse(text)), spare);

describe('site text edits', () => {
  it('adds a VIP to one service and changes nothing else', () => {
    const out = withVip(text, 'web', '198.51.100.5');
    const want = value(text);
    service(want, 'web').vips.push('198.51.100.5');
    expect(value(out)).toEqual(want);
    expect(allVips(parse(out))).toContain('198.51.100.5');
  });

  it('keeps the comments of the site text', () => {
    const out = withVip(text, 'web', '198.51.100.5');
    for (const comment of text.split('\n').filter((l) => l.trim().startsWith('#'))) expect(out).toContain(comment.trim());
  });

  it('removes a VIP from the service that lists it', () => {
    expect(value(withoutVip(withVip(text, 'web', '198.51.100.5'), '198.51.100.5'))).toEqual(value(text));
  });

  it('refuses to remove a VIP no service lists', () => {
    expect(() => withoutVip(text, '198.51.100.99')).toThrow('no service lists it');
  });

  it('refuses an edit that leaves an invalid site, naming the field', () => {
    expect(() => withVip(text, 'web', '198.51.100.3')).toThrow(/expected a valid site.*198\.51\.100\.3/);
  });

  it('adds a service like another, with its own name, VIPs and ports and no DNS names', () => {
    const out = withService(text, { name: 'edits', like: 'web', vips: ['198.51.100.6'], ports: [80] });
    const want = value(text);
    const { dns: _dns, ...web } = service(want, 'web');
    want.services.push({ ...structuredClone(web), name: 'edits', vips: ['198.51.100.6'], ports: [80] });
    expect(value(out)).toEqual(want);
    const site = parse(out);
    expect(site.services.map((s) => s.name)).toEqual(['web', 'api', 'edits']);
    expect(site.services[2]?.pool).toBe('web');
  });

  it('lists every service\'s L7 nodes, which serve the same as the default', () => {
    const out = withExplicitL7Nodes(text, parse(text));
    expect(parse(out).services.map((s) => s.l7.nodes)).toEqual(parse(text).services.map((s) => s.l7.nodes));
    const want = value(text);
    for (const s of want.services) (s.l7 as Record<string, unknown>).nodes = ['l7-1', 'l7-2', 'l7-3', 'l7-4'];
    expect(value(out)).toEqual(want);
  });

  it('declares a node after the last node of its role, serving nothing when the services list their L7 nodes', () => {
    const site = parse(withSpare);
    expect(nodesWithRole(site, 'l7').map((n) => n.name)).toEqual(['l7-1', 'l7-2', 'l7-3', 'l7-4', 'l7-5']);
    const order = site.nodes.map((n) => n.name as string);
    expect(order.indexOf('l7-5')).toBe(order.indexOf('l7-4') + 1);
    expect(site.services.every((s) => !s.l7.nodes.includes('l7-5' as never))).toBe(true);
  });

  it('appends an L7 node to every service and removes it again', () => {
    const appended = withL7NodeAppended(withSpare, 'l7-5');
    expect(parse(appended).services.map((s) => s.l7.nodes.join(','))).toEqual(['l7-1,l7-2,l7-3,l7-4,l7-5', 'l7-1,l7-2,l7-3,l7-4,l7-5']);
    expect(value(withL7NodeRemoved(appended, 'l7-5'))).toEqual(value(withSpare));
  });

  it('appends an L7 node to the services named only, and removes it from those only', () => {
    const appended = withL7NodeAppended(withSpare, 'l7-5', ['api']);
    expect(parse(appended).services.map((s) => [s.name, s.l7.nodes.includes('l7-5' as never)])).toEqual([['web', false], ['api', true]]);
    const both = withL7NodeAppended(appended, 'l7-5', ['web', 'api']);
    expect(value(withL7NodeRemoved(both, 'l7-5', ['web']))).toEqual(value(appended));
  });

  it('refuses a service the site does not have', () => {
    expect(() => withL7NodeAppended(withSpare, 'l7-5', ['nope'])).toThrow('expected a service named nope');
  });

  it('refuses to append an L7 node to services that do not list their L7 nodes', () => {
    expect(() => withL7NodeAppended(text, 'l7-4')).toThrow('has no explicit l7.nodes');
  });

  it('changes the BGP timers and VIP communities only', () => {
    const out = withBgp(text, { holdTime: '12s', keepalive: '4s', vipCommunities: ['64512:100', '64512:101'] });
    const want = value(text);
    want.bgp = { ...want.bgp, holdTime: '12s', keepalive: '4s', communities: { gracefulShutdown: '65535:0', vip: ['64512:100', '64512:101'] } };
    expect(value(out)).toEqual(want);
    const bgp = parse(out).bgp;
    expect([bgp.holdTime.ms, bgp.keepalive.ms, [...bgp.communities.vip]]).toEqual([12000, 4000, ['64512:100', '64512:101']]);
  });

  it('sets the site-wide agent-check port, which every node and pool then uses', () => {
    const out = withAgentCheckPort(text, 9301);
    expect(value(out)).toEqual({ ...value(text), agent: { agentCheckPort: 9301 } });
    const site = parse(out);
    expect(site.nodes.every((n) => Number(n.agent.agentCheckPort) === 9301)).toBe(true);
    expect(site.pools.every((p) => Number(p.agentCheck.port) === 9301)).toBe(true);
  });

  it('turns the L7 nodes\' MSS clamp off and on again, changing nothing else', () => {
    const off = withMssClamp(text, false);
    expect(value(off)).toEqual({ ...value(text), l7: { mssClamp: { enabled: false } } });
    expect(parse(off).l7.mssClamp.enabled).toBe(false);
    expect(parse(withMssClamp(off, true)).l7.mssClamp.enabled).toBe(true);
  });

  it('turns BFD on with the lab\'s timers and off again, changing nothing else', () => {
    const on = withBfd(text, true, { interval: '250ms', multiplier: 3 });
    expect(value(on).bgp).toEqual({ ...value(text).bgp, bfd: { enabled: true, interval: '250ms', multiplier: 3 } });
    expect(parse(on).bgp.bfd).toMatchObject({ enabled: true, multiplier: 3 });
    expect(parse(on).bgp.bfd.interval.ms).toBe(250);
    expect(parse(withBfd(on, false)).bgp.bfd.enabled).toBe(false);
  });

  it('turns the L4 nodes\' connection sync on over a device, and off again, changing nothing else', () => {
    const on = withConnectionSync(text, true, 'eth0');
    expect(value(on)).toEqual({ ...value(text), l4: { connectionSync: { enabled: true, interface: 'eth0' } } });
    expect(parse(on).l4.connectionSync).toMatchObject({ enabled: true, interface: 'eth0' });
    expect(parse(withConnectionSync(on, false, 'eth0')).l4.connectionSync.enabled).toBe(false);
    expect(() => withConnectionSync(text, true, 'a-device-name-too-long')).toThrow(/valid site/);
  });
});

describe('nextFreeVip', () => {
  it('is the address after the highest VIP of the family', () => {
    expect(nextFreeVip(parse(text), 'ipv4')).toBe('198.51.100.5');
    expect(nextFreeVip(parse(text), 'ipv6')).toBe('2001:db8::c633:6405');
  });

  it('skips addresses already taken, the site\'s and those given', () => {
    expect(nextFreeVip(parse(text), 'ipv4', ['198.51.100.5'])).toBe('198.51.100.6');
    expect(nextFreeVip(parse(withVip(text, 'web', '198.51.100.9')), 'ipv4')).toBe('198.51.100.10');
  });
});

describe('withServiceSetting', () => {
  it('sets a setting of one service, making the section when missing', () => {
    const out = parse(withServiceSetting(withServiceSetting(text, 'api', ['l7', 'proxyProtocol'], 'v2'), 'web', ['l4', 'rampUp'], '30s'));
    expect(out.services.map((s) => [s.name, s.l7.proxyProtocol, s.l4.rampUp.toString()])).toEqual([['web', 'none', '30s'], ['api', 'v2', '0s']]);
  });

  it('sets a mapping, and refuses a value the site would refuse', () => {
    const out = parse(withServiceSetting(text, 'web', ['l7', 'tls'], { certificates: ['/etc/lb/tls/www.pem'] }));
    expect(out.services[0]?.l7.tls?.certificates).toEqual(['/etc/lb/tls/www.pem']);
    expect(() => withServiceSetting(text, 'web', ['l7', 'slowStart'], '1s')).toThrow(/slowStart: expected 0s \(off\)/);
  });
});

