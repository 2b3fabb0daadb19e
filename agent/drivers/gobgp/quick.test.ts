import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../../site/index.js';
import { loadSite, nodeOf } from '../../../test/helpers/site.js';
import type { Runner } from '../../../tiers/common/runner.js';
import { gobgpQuickChange } from './quick.js';

const site = loadSite();
const node = nodeOf(site, 'l4-1');
const a = (vip: string, gracefulShutdown = false) => ({ vip: vip as IpAddress, gracefulShutdown });

function recorder(exitCode = 0) {
  const calls: string[][] = [];
  const run: Runner = async (cmd, args) => { calls.push([cmd, ...args]); return { exitCode, stdout: '', stderr: exitCode === 0 ? '' : 'boom' }; };
  return { calls, run };
}

describe('gobgpQuickChange', () => {
  it('withdraws with one gobgp command and reads nothing', async () => {
    const r = recorder();
    const res = await gobgpQuickChange(site, node, { host: '127.0.0.1', port: 50051 }, r.run)([a('198.51.100.1')], []);
    expect(res).toEqual({ ok: true, changed: ['withdraw 198.51.100.1'] });
    expect(r.calls).toEqual([['gobgp', '-u', '127.0.0.1', '-p', '50051', 'global', 'rib', '-a', 'ipv4', 'del', '198.51.100.1/32']]);
  });

  it('switches to the graceful-shutdown community with one add', async () => {
    const r = recorder();
    const res = await gobgpQuickChange(site, node, { host: '127.0.0.1', port: 50051 }, r.run)([a('198.51.100.1')], [a('198.51.100.1', true)]);
    expect(res).toEqual({ ok: true, changed: ['announce 198.51.100.1 graceful-shutdown'] });
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]?.join(' ')).toContain('65535:0');
  });

  it('reports a failed command', async () => {
    const r = recorder(1);
    const res = await gobgpQuickChange(site, node, { host: '127.0.0.1', port: 50051 }, r.run)([a('198.51.100.1')], []);
    expect(res).toMatchObject({ ok: false, changed: [], error: expect.stringContaining('boom') });
  });
});
