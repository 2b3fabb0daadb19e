import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../../site/index.js';
import { FakeGobgpApi } from '../../../test/fakes/gobgp-api.js';
import { loadSite, nodeOf } from '../../../test/helpers/site.js';
import { gobgpQuickChange } from './quick.js';

const site = loadSite();
const node = nodeOf(site, 'l4-1');
const a = (vip: string, gracefulShutdown = false) => ({ vip: vip as IpAddress, gracefulShutdown });

/** A gobgpd that holds 198.51.100.1 as the agent last announced it. */
function holding(): FakeGobgpApi {
  const fake = new FakeGobgpApi();
  fake.rib.set('198.51.100.1/32', [{ communities: [64512 * 65536 + 100] }]);
  return fake;
}

describe('gobgpQuickChange', () => {
  it('withdraws with one DeletePath and reads nothing', async () => {
    const fake = holding();
    const res = await gobgpQuickChange(site, node, fake)([a('198.51.100.1')], []);
    expect(res).toEqual({ ok: true, changed: ['withdraw 198.51.100.1'] });
    expect(fake.writes).toEqual(['del 198.51.100.1/32']);
    expect(fake.own('198.51.100.1/32')).toBeUndefined();
  });

  it('switches to the graceful-shutdown community with one AddPath that replaces the path', async () => {
    const fake = holding();
    const res = await gobgpQuickChange(site, node, fake)([a('198.51.100.1')], [a('198.51.100.1', true)]);
    expect(res).toEqual({ ok: true, changed: ['announce 198.51.100.1 graceful-shutdown'] });
    expect(fake.writes).toEqual(['add 198.51.100.1/32']);
    expect(fake.own('198.51.100.1/32')?.communities).toEqual([64512 * 65536 + 100, 0xffff0000]);
  });

  it('reports a failed call with the VIP and the API error', async () => {
    const fake = holding();
    fake.unreachable = 'gobgpd API 127.0.0.1:50051 DeletePath: 14 UNAVAILABLE: Connection dropped';
    const res = await gobgpQuickChange(site, node, fake)([a('198.51.100.1')], []);
    expect(res).toEqual({ ok: false, changed: [], error: 'withdraw 198.51.100.1: gobgpd API 127.0.0.1:50051 DeletePath: 14 UNAVAILABLE: Connection dropped' });
  });
});
