import { describe, expect, it } from 'vitest';
import { exampleValue, siteOf } from '../../test/helpers/site.js';
import { planMssClamp, tunnelMss } from './mss.js';

describe('tunnelMss', () => {
  it('leaves room for the outer header and the inner IP and TCP headers', () => {
    expect(tunnelMss(1500, 'ipv4')).toBe(1440);
    expect(tunnelMss(1500, 'ipv6')).toBe(1400);
    expect(tunnelMss(9000, 'ipv4')).toBe(8940);
  });
});

describe('planMssClamp', () => {
  it('holds the VIPs of the services the node serves, and nothing when the site turns it off', () => {
    const v = exampleValue() as { services: { name: string; l7?: Record<string, unknown> }[] };
    const api = v.services.find((s) => s.name === 'api');
    if (api) api.l7 = { ...(api.l7 ?? {}), nodes: ['l7-2', 'l7-3'] };
    const site = siteOf(v);
    expect(planMssClamp(site, 'l7-1')).toEqual({ mss: { ipv4: 1440, ipv6: 1400 }, vips: { ipv4: ['198.51.100.1', '198.51.100.2'], ipv6: ['2001:db8::c633:6401', '2001:db8::c633:6402'] } });
    const off = siteOf({ ...exampleValue(), l7: { mssClamp: { enabled: false } } });
    expect(planMssClamp(off, 'l7-1').mss).toEqual({ ipv4: 0, ipv6: 0 });
  });
});
