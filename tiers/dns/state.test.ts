import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { nodeNamed } from '../../site/index.js';
import { renderDnsState } from './index.js';

const site = loadSite();
const dns1 = nodeNamed(site, 'dns-1');
if (!dns1) throw new Error('no dns-1');
const entries = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

describe('renderDnsState', () => {
  it('marks every VIP behind a DNS name UP when no VIP is known down', () => {
    const lines = entries(renderDnsState(site, dns1, new Map()));
    expect(lines).toHaveLength(8);
    expect(lines.every((l) => l.endsWith(' => UP'))).toBe(true);
  });

  it('marks DOWN exactly the VIPs the map says are down', () => {
    const vipUp = new Map([['198.51.100.2', false], ['2001:db8::c633:6403', false], ['198.51.100.1', true]]);
    expect(entries(renderDnsState(site, dns1, vipUp))).toEqual([
      '198.51.100.1 => UP',
      '198.51.100.2 => DOWN',
      '2001:db8::c633:6401 => UP',
      '2001:db8::c633:6402 => UP',
      '198.51.100.3 => UP',
      '198.51.100.4 => UP',
      '2001:db8::c633:6403 => DOWN',
      '2001:db8::c633:6404 => UP',
    ]);
  });

  it('ignores map entries for addresses that are no VIP of a DNS name', () => {
    const text = renderDnsState(site, dns1, new Map([['192.0.2.99', false]]));
    expect(text).not.toContain('192.0.2.99');
  });

  it('renders the same text for the same states twice', () => {
    const vipUp = new Map([['198.51.100.3', false]]);
    expect(renderDnsState(site, dns1, vipUp)).toBe(renderDnsState(loadSite(), dns1, new Map(vipUp)));
  });
});
