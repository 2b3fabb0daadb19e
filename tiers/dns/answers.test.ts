import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { answeredNames } from './answers.js';
import { decideVips, vipTargets, type VipDecision } from './vip-health.js';

const site = loadSite();
const all = decideVips(site, vipTargets(site), new Map());
const withDown = (...vips: string[]): VipDecision[] => all.map((d) => (vips.includes(d.vip) ? { ...d, up: false } : d));
const answered = (decisions: readonly VipDecision[]): string[] => [...answeredNames(site, decisions).keys()].sort();

describe('answeredNames', () => {
  it('answers every web VIP and the first api VIP of each family when all are up', () => {
    expect(answered(all)).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '2001:db8::c633:6401', '2001:db8::c633:6402', '2001:db8::c633:6403'].sort());
  });

  it('leaves out a multifo VIP that is down while another of its family is up', () => {
    expect(answered(withDown('198.51.100.1'))).not.toContain('198.51.100.1');
  });

  it('answers every multifo VIP of a family when all of them are down', () => {
    const names = answeredNames(site, withDown('198.51.100.1', '198.51.100.2'));
    expect(names.get('198.51.100.1')).toEqual(['www.example.org']);
    expect(names.get('198.51.100.2')).toEqual(['www.example.org']);
  });

  it('answers the next first-up VIP when the first is down', () => {
    expect(answered(withDown('198.51.100.3'))).toContain('198.51.100.4');
  });

  it('gives a first-up family with no live VIP no answer while the other family has one', () => {
    const a = answered(withDown('198.51.100.3', '198.51.100.4'));
    expect(a).not.toContain('198.51.100.3');
    expect(a).not.toContain('198.51.100.4');
    expect(a).toContain('2001:db8::c633:6403');
  });
});
