import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { nodeNamed } from '../../site/index.js';
import { renderDnsState } from './index.js';
import { parseDnsState } from './state-file.js';

const site = loadSite();
const dns1 = nodeNamed(site, 'dns-1');
if (!dns1) throw new Error('no dns-1');

describe('parseDnsState', () => {
  it('reads back every VIP of a rendered state file with its state', () => {
    const text = renderDnsState(site, dns1, new Map([['198.51.100.2', false], ['2001:db8::c633:6403', false]]));
    const { vipUp, skipped } = parseDnsState(text);
    expect(skipped).toBe(0);
    expect(vipUp.size).toBe(8);
    expect(vipUp.get('198.51.100.2')).toBe(false);
    expect(vipUp.get('2001:db8::c633:6403')).toBe(false);
    expect(vipUp.get('198.51.100.1')).toBe(true);
  });

  it('accepts a TTL after the state, as extfile does', () => {
    expect(parseDnsState('192.0.2.1 => DOWN/30\n').vipUp.get('192.0.2.1')).toBe(false);
  });

  it('skips and counts lines that are not an address and a state', () => {
    const { vipUp, skipped } = parseDnsState('192.0.2.1 => MAYBE\nrm -rf / => UP\n192.0.2.2 => UP\n');
    expect([...vipUp]).toEqual([['192.0.2.2', true]]);
    expect(skipped).toBe(2);
  });
});
