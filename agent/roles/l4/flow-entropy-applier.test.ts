import { describe, expect, it } from 'vitest';
import { FakeFlowEntropy } from '../../../test/fakes/flow-entropy.js';
import { exampleValue, nodeOf, siteOf } from '../../../test/helpers/site.js';
import { planFlowEntropy } from '../../../tiers/l4/flow-entropy.js';
import { createLogger } from '../../observe/log.js';
import { FlowEntropyApplier } from './flow-entropy-applier.js';
import { ATTACH_CHECK_MS } from '../../drivers/bpf/attach-at-node.js';

function site(sources: Record<string, string> | undefined) {
  const value = exampleValue();
  const l4 = (value.nodes as Record<string, unknown>[]).find((n) => n.name === 'l4-1') as Record<string, unknown>;
  if (sources) l4.tunnelSources = sources;
  const s = siteOf(value);
  return { plan: planFlowEntropy(s, nodeOf(s, 'l4-1')), node: nodeOf(s, 'l4-1') };
}

const applierOf = (port: FakeFlowEntropy, now: () => number = () => 0): FlowEntropyApplier => new FlowEntropyApplier(port, createLogger('l4-1', 'silent'), now);

describe('FlowEntropyApplier', () => {
  it('attaches once and writes a family\'s table only when it changed', async () => {
    const port = new FakeFlowEntropy();
    const a = applierOf(port);
    const { plan, node } = site({ ipv4: '10.0.0.64/30' });
    expect(await a.apply(plan, node)).toBe('held');
    expect(await a.apply(plan, node)).toBe('held');
    expect(port.attaches).toBe(1);
    expect(port.writes).toHaveLength(1);
    expect(port.counts()).toEqual({ ipv4: 4, ipv6: 0 });
    const wider = site({ ipv4: '10.0.0.64/29' });
    await a.apply(wider.plan, wider.node);
    expect(port.writes.at(-1)?.map((t) => t.family)).toEqual(['ipv4']);
    expect(port.counts()).toEqual({ ipv4: 8, ipv6: 0 });
  });

  it('asks the kernel whether its program is still attached once per ATTACH_CHECK_MS, and attaches again when it went missing', async () => {
    const port = new FakeFlowEntropy();
    let now = 0;
    const a = applierOf(port, () => now);
    const { plan, node } = site({ ipv4: '10.0.0.64/30' });
    await a.apply(plan, node);
    port.attachedTo.clear();
    now += ATTACH_CHECK_MS - 1;
    await a.apply(plan, node);
    expect({ attaches: port.attaches, asked: port.asked }).toEqual({ attaches: 1, asked: 0 });
    now += 1;
    await a.apply(plan, node);
    expect({ attaches: port.attaches, asked: port.asked }).toEqual({ attaches: 2, asked: 1 });
    now += ATTACH_CHECK_MS;
    await a.apply(plan, node);
    expect({ attaches: port.attaches, asked: port.asked }).toEqual({ attaches: 2, asked: 2 });
  });

  it('empties the tables a former agent left attached when this site gives the node no sources', async () => {
    const port = new FakeFlowEntropy();
    port.attachedTo.add('eth0');
    port.tables.set('ipv4', { family: 'ipv4', own: '10.0.0.21', sources: ['10.0.0.64'] });
    const { plan, node } = site(undefined);
    expect(await applierOf(port).apply(plan, node)).toBe('not wanted');
    expect(port.counts()).toEqual({ ipv4: 0, ipv6: 0 });
  });

  it('says why when the program is not built, and never attaches', async () => {
    const port = new FakeFlowEntropy();
    port.built = false;
    const a = applierOf(port);
    const { plan, node } = site({ ipv4: '10.0.0.64/30' });
    expect(await a.apply(plan, node)).toBe('unavailable');
    expect(a.status(plan)).toMatch(/^flow entropy: not applied: the flow entropy program is not built/);
    expect(port.attaches).toBe(0);
  });

  it('retries when no device holds the node\'s address', async () => {
    const port = new FakeFlowEntropy();
    port.devices.clear();
    const a = applierOf(port);
    const { plan, node } = site({ ipv4: '10.0.0.64/30' });
    expect(await a.apply(plan, node)).toBe('retry');
    expect(a.status(plan)).toContain('no device holds l4-1\'s own address');
  });
});
