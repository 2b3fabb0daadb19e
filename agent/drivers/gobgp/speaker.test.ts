import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../../site/index.js';
import { nodeOf } from '../../../tiers/ecmp/test-sites.js';
import { loadSite } from '../../../test/helpers/site.js';
import { FakeGobgpApi } from '../../../test/fakes/gobgp-api.js';
import { gobgpSpeaker } from './speaker.js';

const V1 = '198.51.100.1' as IpAddress;
const V2 = '198.51.100.2' as IpAddress;
const V6 = '2001:db8::c633:6402' as IpAddress;
const GS = 0xffff0000;

const site = loadSite();
const node = nodeOf(site, 'l4-1');

function setup(): { fake: FakeGobgpApi; speaker: ReturnType<typeof gobgpSpeaker> } {
  const fake = new FakeGobgpApi();
  return { fake, speaker: gobgpSpeaker(site, node, fake) };
}

describe('gobgp speaker', () => {
  it('announces every desired VIP of both families with the site communities', async () => {
    const { fake, speaker } = setup();
    const r = await speaker.set([{ vip: V6, gracefulShutdown: false }, { vip: V1, gracefulShutdown: false }]);
    expect(r).toEqual({ ok: true, changed: [`announce ${V1}`, `announce ${V6}`] });
    expect(fake.own('198.51.100.1/32')?.communities).toEqual([64512 * 65536 + 100]);
    expect(fake.own('2001:db8::c633:6402/128')).toBeDefined();
  });

  it('changes nothing when the same set is applied twice', async () => {
    const { fake, speaker } = setup();
    await speaker.set([{ vip: V1, gracefulShutdown: false }]);
    const r = await speaker.set([{ vip: V1, gracefulShutdown: false }]);
    expect(r).toEqual({ ok: true, changed: [] });
    expect(fake.writes).toEqual(['add 198.51.100.1/32']);
  });

  it('switches a VIP to graceful shutdown with one add that replaces the path', async () => {
    const { fake, speaker } = setup();
    await speaker.set([{ vip: V1, gracefulShutdown: false }]);
    const r = await speaker.set([{ vip: V1, gracefulShutdown: true }]);
    expect(r.changed).toEqual([`announce ${V1} graceful-shutdown`]);
    expect(fake.writes).toEqual(['add 198.51.100.1/32', 'add 198.51.100.1/32']);
    expect(fake.own('198.51.100.1/32')?.communities).toContain(GS);
  });

  it('withdraws the VIPs no longer desired and keeps the others', async () => {
    const { speaker } = setup();
    await speaker.set([{ vip: V1, gracefulShutdown: false }, { vip: V2, gracefulShutdown: false }]);
    const r = await speaker.set([{ vip: V2, gracefulShutdown: false }]);
    expect(r).toEqual({ ok: true, changed: [`withdraw ${V1}`] });
    expect(await speaker.announced()).toEqual([{ vip: V2, gracefulShutdown: false }]);
  });

  it('withdraws a host route left announced by an older site', async () => {
    const { fake, speaker } = setup();
    fake.rib.set('198.51.100.77/32', [{ communities: [] }]);
    expect(await speaker.set([])).toEqual({ ok: true, changed: ['withdraw 198.51.100.77'] });
  });

  it('ignores the other L4 nodes paths that the reflectors send', async () => {
    const { fake, speaker } = setup();
    fake.learn('198.51.100.1/32', '10.0.0.11');
    expect(await speaker.announced()).toEqual([]);
    expect(await speaker.set([])).toEqual({ ok: true, changed: [] });
  });

  it('refuses a VIP that is not the site one and changes nothing', async () => {
    const { fake, speaker } = setup();
    const r = await speaker.set([{ vip: V1, gracefulShutdown: false }, { vip: '203.0.113.9' as IpAddress, gracefulShutdown: false }]);
    expect(r).toEqual({ ok: false, error: expect.stringContaining('got 203.0.113.9'), changed: [] });
    expect(fake.writes).toEqual([]);
  });

  it('reports a failed announce and still applies the other VIPs', async () => {
    const { fake, speaker } = setup();
    fake.failAdd = '198.51.100.1/32';
    const r = await speaker.set([{ vip: V1, gracefulShutdown: false }, { vip: V2, gracefulShutdown: false }]);
    expect(r).toEqual({ ok: false, error: 'announce 198.51.100.1: AddPath: 2 UNKNOWN: rpc error', changed: [`announce ${V2}`] });
  });

  it('reports a RIB it cannot read as an error value without changing anything', async () => {
    const { fake, speaker } = setup();
    fake.unreachable = 'gobgpd API 127.0.0.1:50051 ListPath: 14 UNAVAILABLE: No connection established';
    expect(await speaker.set([{ vip: V1, gracefulShutdown: false }])).toEqual({ ok: false, error: expect.stringContaining('UNAVAILABLE'), changed: [] });
    expect(fake.writes).toEqual([]);
  });

  it('reports a RIB answer of another shape as an error value without changing anything', async () => {
    const { fake, speaker } = setup();
    fake.listAnswers = [{ destination: { prefix: 42 } }];
    expect(await speaker.set([{ vip: V1, gracefulShutdown: false }])).toEqual({ ok: false, error: expect.stringContaining('expected a destination with a prefix and paths'), changed: [] });
    expect(fake.writes).toEqual([]);
  });
});
