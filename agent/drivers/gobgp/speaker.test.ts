import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../../site/index.js';
import type { Runner, RunResult } from '../../../tiers/common/runner.js';
import { nodeOf } from '../../../tiers/ecmp/test-sites.js';
import { loadSite } from '../../../test/helpers/site.js';
import { gobgpSpeaker } from './speaker.js';

const V1 = '198.51.100.1' as IpAddress;
const V2 = '198.51.100.2' as IpAddress;
const V6 = '2001:db8::c633:6402' as IpAddress;
const GS = 0xffff0000;

interface FakePath { readonly communities: number[]; readonly neighbor?: string }

/**
 * gobgpd's global RIB behind the `gobgp` CLI: add replaces our path, del
 * removes it. It fails the test on what the driver must never do: an add
 * that changes nothing, a del of a path that is not there.
 */
class FakeGobgp {
  readonly rib = new Map<string, FakePath[]>();
  readonly writes: string[] = [];
  failAdd: string | undefined;
  ribUnreachable = false;

  readonly runner: Runner = async (cmd, args) => {
    if (cmd !== 'gobgp' || args[0] !== '-u' || args[2] !== '-p') throw new Error(`fake gobgp: unexpected ${cmd} ${args.join(' ')}`);
    const [, , , , ...rest] = args;
    if (rest[4] === '-j') return this.list(rest[3] ?? '');
    return this.change(rest.slice(4));
  };

  learn(prefix: string, neighbor: string): void {
    this.rib.set(prefix, [...(this.rib.get(prefix) ?? []), { communities: [], neighbor }]);
  }

  own(prefix: string): FakePath | undefined {
    return this.rib.get(prefix)?.find((p) => p.neighbor === undefined);
  }

  private list(family: string): RunResult {
    if (this.ribUnreachable) return { exitCode: 1, stdout: '', stderr: 'connection refused' };
    const entries = [...this.rib].filter(([prefix]) => prefix.includes(':') === (family === 'ipv6'));
    const json = Object.fromEntries(entries.map(([prefix, paths]) => [prefix, paths.map((p) => ({
      nlri: { prefix }, age: 1, best: true, stale: false,
      attrs: [{ type: 1, value: 0 }, ...(p.communities.length > 0 ? [{ type: 8, communities: p.communities }] : [])],
      ...(p.neighbor ? { 'source-id': p.neighbor, 'neighbor-ip': p.neighbor } : {}),
    }))]));
    return { exitCode: 0, stdout: JSON.stringify(json), stderr: '' };
  }

  private change([op, prefix = '', ...attrs]: string[]): RunResult {
    this.writes.push(`${op} ${prefix}`);
    const others = (this.rib.get(prefix) ?? []).filter((p) => p.neighbor !== undefined);
    if (op === 'del') {
      if (!this.own(prefix)) throw new Error(`fake gobgp: del of ${prefix}, which is not announced`);
      this.rib.set(prefix, others);
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    if (this.failAdd === prefix) return { exitCode: 1, stdout: '', stderr: 'rpc error' };
    const i = attrs.indexOf('community');
    const communities = i < 0 ? [] : (attrs[i + 1] ?? '').split(',').map((c) => c.split(':').map(Number)).map(([a = 0, v = 0]) => a * 65536 + v);
    if (JSON.stringify(this.own(prefix)?.communities) === JSON.stringify(communities)) throw new Error(`fake gobgp: add of ${prefix} changes nothing`);
    this.rib.set(prefix, [...others, { communities }]);
    return { exitCode: 0, stdout: '', stderr: '' };
  }
}

const site = loadSite();
const node = nodeOf(site, 'l4-1');

function setup(): { fake: FakeGobgp; speaker: ReturnType<typeof gobgpSpeaker> } {
  const fake = new FakeGobgp();
  return { fake, speaker: gobgpSpeaker(site, node, { apiHost: '127.0.0.1', apiPort: 50051, runner: fake.runner }) };
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
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/add 198\.51\.100\.1\/32 .* exited 1: rpc error/), changed: [`announce ${V2}`] });
  });

  it('reports a RIB it cannot read as an error value without changing anything', async () => {
    const { fake, speaker } = setup();
    fake.ribUnreachable = true;
    expect(await speaker.set([{ vip: V1, gracefulShutdown: false }])).toEqual({ ok: false, error: expect.stringContaining('connection refused'), changed: [] });
    expect(fake.writes).toEqual([]);
  });
});
