import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../common/template.js';
import { UnsafeValueError } from '../common/escape.js';
import { loadSite } from '../../test/helpers/site.js';
import { HAPROXY_TEMPLATE, haproxyView } from './index.js';
import { changedSite, ipv6OnlySite, nodeOf } from './test-site.js';
import type { HaproxyView } from './view-types.js';

const site = loadSite();
const view = (s = site, name = 'l7-1'): HaproxyView => haproxyView(s, nodeOf(s, name));

describe('haproxyView', () => {
  it('binds every VIP on every port of a service, IPv6 in brackets', () => {
    const api = view().services.find((s) => s.name === 'api');
    expect(api?.binds).toContain('198.51.100.3:8443');
    expect(api?.binds).toContain('[2001:db8::c633:6404]:80');
    expect(api?.binds).toHaveLength(8);
  });

  it('writes IPv6 server addresses in brackets so the port stays apart', () => {
    const web = view().services.find((s) => s.name === 'web');
    expect(web?.servers.map((s) => s.address)).toContain('[fd00:2::43]:8080');
  });

  it('checks over HTTP in mode http', () => {
    expect(view().services.find((s) => s.name === 'web')?.httpCheck).toEqual({ path: '/healthz', expectStatus: 200 });
  });

  it('checks with a plain TCP connect in mode tcp', () => {
    expect(view().services.find((s) => s.name === 'api')?.httpCheck).toBeUndefined();
  });

  it('replaces X-Forwarded-For in mode http only', () => {
    expect(view().services.map((s) => [s.name, s.setForwardedFor])).toEqual([['web', true], ['api', false]]);
  });

  it('adds no agent-check to the servers of a pool that disables it', () => {
    const off = changedSite((v) => { v.pools[0].agentCheck = { enabled: false }; });
    expect(view(off).services.find((s) => s.name === 'web')?.servers.every((s) => s.agent === undefined)).toBe(true);
  });

  it('points the enabler at the local agent on loopback', () => {
    expect(view().enabler).toMatchObject({ address: '127.0.0.1:9300', agentPort: 9300, agentInter: '1s' });
  });

  it('answers one monitor path per service under the node monitor path', () => {
    expect(view().monitor.services.map((s) => s.path)).toEqual(['/tierlb/health/web', '/tierlb/health/api']);
  });

  it('joins service monitor paths without a double slash when the monitor path ends in one', () => {
    const slash = changedSite((v) => { v.l7 = { monitorPath: '/health/' }; });
    expect(view(slash).monitor.services.map((s) => s.path)).toEqual(['/health/web', '/health/api']);
  });

  it('binds the monitor on both node addresses and stats on the IPv4 one', () => {
    expect(view().monitor.binds).toEqual(['10.0.1.31:9100', '[fd00:1::31]:9100']);
    expect(view().stats.bind).toBe('10.0.1.31:9101');
  });

  it('binds stats on the IPv6 address of a node without IPv4', () => {
    expect(view(ipv6OnlySite()).stats.bind).toBe('[fd00:1::31]:9101');
  });

  it('refuses to render a hand-built view whose server name would split a directive', () => {
    const good = view();
    const web = good.services[0];
    if (!web?.servers[0]) throw new Error('example has a web server');
    const bad = { ...good, services: [{ ...web, servers: [{ ...web.servers[0], name: 'srv-1 backup' }] }] };
    expect(() => renderTemplate(HAPROXY_TEMPLATE, 'haproxy', bad)).toThrow(UnsafeValueError);
  });
});
