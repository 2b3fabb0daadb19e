import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { nodeNamed } from '../../site/index.js';
import { gdnsdChangeFor, planDns, strongerChange } from './plan.js';
import { decideVips, vipTargets } from './vip-health.js';

const site = loadSite();
const dns1 = nodeNamed(site, 'dns-1');
if (!dns1) throw new Error('no dns-1');

describe('planDns', () => {
  it('holds the config and the zones, and the state file apart', () => {
    const plan = planDns(site, dns1, decideVips(site, vipTargets(site), new Map()));
    expect(plan.files.map((f) => f.name)).toEqual(['gdnsd/config', 'gdnsd/zones/example.org']);
    expect(plan.state).toContain('198.51.100.1 => UP\n');
  });

  it('writes DOWN for a VIP the decisions take out', () => {
    const vips = decideVips(site, vipTargets(site), new Map()).map((d) => (d.vip === '198.51.100.4' ? { ...d, up: false } : d));
    expect(planDns(site, dns1, vips).state).toContain('198.51.100.4 => DOWN\n');
  });
});

describe('gdnsdChangeFor', () => {
  it('replaces gdnsd when the config changed, zones or not', () => {
    expect(gdnsdChangeFor(['gdnsd/config', 'gdnsd/zones/example.org'])).toBe('replace');
  });

  it('reloads the zones when only zone files changed or went away', () => {
    expect(gdnsdChangeFor(['gdnsd/zones/example.org'])).toBe('reload-zones');
  });

  it('does nothing when nothing changed', () => {
    expect(gdnsdChangeFor([])).toBe('none');
  });
});

describe('strongerChange', () => {
  it('keeps a pending replace over a later zone reload', () => {
    expect(strongerChange('replace', 'reload-zones')).toBe('replace');
  });

  it('keeps a pending zone reload when the next turn changes nothing', () => {
    expect(strongerChange('reload-zones', 'none')).toBe('reload-zones');
  });
});
