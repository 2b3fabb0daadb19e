import { describe, expect, it } from 'vitest';
import { loadSite } from '../test/helpers/site.js';
import { nodeNamed } from './index.js';
import { overrideNode } from './override.js';

describe('overrideNode', () => {
  const site = loadSite();

  it('replaces the paths of one node and leaves the others', () => {
    const r = overrideNode(site, 'l7-1', { runDir: '/tmp/lab/l7-1/run', listen: { address: '127.0.0.1', port: 19001 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(nodeNamed(r.value, 'l7-1')?.agent.runDir).toBe('/tmp/lab/l7-1/run');
    expect(nodeNamed(r.value, 'l7-1')?.agent.listen).toEqual({ address: '127.0.0.1', port: 19001 });
    expect(nodeNamed(r.value, 'l7-2')?.agent.runDir).toBe('/run/tierlb');
  });

  it('refuses a path that could break a rendered config', () => {
    const r = overrideNode(site, 'l7-1', { runDir: '/run/x\n  stats socket /tmp/evil' });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/^runDir: expected an absolute path/) });
  });

  it('refuses an unknown node', () => {
    expect(overrideNode(site, 'nope', {}).ok).toBe(false);
  });
});
