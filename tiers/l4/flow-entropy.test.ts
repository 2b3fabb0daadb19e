import { describe, expect, it } from 'vitest';
import { exampleValue, nodeOf, siteOf } from '../../test/helpers/site.js';
import { flowEntropySources, planFlowEntropy, wantsFlowEntropy } from './flow-entropy.js';

function site(enabled = true) {
  const value = exampleValue();
  const l4 = (value.nodes as Record<string, unknown>[]).find((n) => n.name === 'l4-1') as Record<string, unknown>;
  l4.tunnelSources = { ipv4: '10.0.0.64/30', ipv6: 'fd00::1:40/127' };
  value.l4 = { flowEntropy: { enabled } };
  return siteOf(value);
}

describe('planFlowEntropy', () => {
  it('gives each family the node\'s own address and the sources of its prefix', () => {
    const s = site();
    const plan = planFlowEntropy(s, nodeOf(s, 'l4-1'));
    expect(plan).toEqual({
      ipv4: { own: '10.0.0.21', sources: ['10.0.0.64', '10.0.0.65', '10.0.0.66', '10.0.0.67'] },
      ipv6: { own: 'fd00::21', sources: ['fd00::1:40', 'fd00::1:41'] },
    });
    expect(wantsFlowEntropy(plan)).toBe(true);
    expect(flowEntropySources(plan)).toHaveLength(6);
  });

  it('asks for nothing on a node without sources, on another role, or when the site turns it off', () => {
    const s = site();
    expect(planFlowEntropy(s, nodeOf(s, 'l4-2'))).toEqual({});
    expect(planFlowEntropy(s, nodeOf(s, 'l7-1'))).toEqual({});
    const off = site(false);
    expect(wantsFlowEntropy(planFlowEntropy(off, nodeOf(off, 'l4-1')))).toBe(false);
  });
});
