// The BIRD speaker driver against a fake control socket: the file it writes,
// the configure it asks for, and what it puts back when BIRD refuses.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { IpAddress } from '../../../site/index.js';
import { BIRD_VIPS_FILE } from '../../../tiers/ecmp/bird-vips.js';
import { birdSpeakerSite, nodeOf } from '../../../tiers/ecmp/test-sites.js';
import type { BirdCommandResult, BirdControl } from './control.js';
import { birdSpeaker } from './speaker.js';

const V1 = '198.51.100.1' as IpAddress;
const V2 = '198.51.100.2' as IpAddress;
const V6 = '2001:db8::c633:6402' as IpAddress;
const SOCKET = '/run/test/bird.ctl';

const READING = { code: '0002', text: 'Reading configuration from /etc/tierlb/bird.conf' };
const REPLIES = {
  accepted: { ok: true, lines: [READING, { code: '0003', text: 'Reconfigured' }] },
  queued: { ok: true, lines: [READING, { code: '0004', text: 'Reconfiguration in progress' }] },
  refused: { ok: true, lines: [READING, { code: '8002', text: '/etc/tierlb/bird-vips.conf:9:3 syntax error, unexpected CF_SYM_UNDEFINED' }] },
  missing: { ok: false, error: `BIRD on ${SOCKET}, command "configure": no such socket (is BIRD running?)` },
} satisfies Record<string, BirdCommandResult>;

/** BIRD's control socket as the driver sees it: records each command and the file BIRD would read at that moment. */
class FakeControl implements BirdControl {
  readonly socket = SOCKET;
  readonly calls: { text: string; file: string }[] = [];
  reply: BirdCommandResult = REPLIES.accepted;
  constructor(private readonly dir: string) {}

  async command(text: string): Promise<BirdCommandResult> {
    this.calls.push({ text, file: readFileSync(join(this.dir, BIRD_VIPS_FILE), 'utf8') });
    return this.reply;
  }
}

describe('birdSpeaker', () => {
  const site = birdSpeakerSite();
  const node = nodeOf(site, 'l4-1');
  let dir: string;
  let bird: FakeControl;
  const speaker = () => birdSpeaker(site, node, { configDir: dir, socket: SOCKET, control: bird });
  const file = (): string => readFileSync(join(dir, BIRD_VIPS_FILE), 'utf8');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tierlb-bird-speaker-'));
    bird = new FakeControl(dir);
  });

  it('writes the set to bird-vips.conf, then asks BIRD to configure on its socket', async () => {
    const r = await speaker().set([{ vip: V2, gracefulShutdown: false }, { vip: V1, gracefulShutdown: false }, { vip: V6, gracefulShutdown: false }]);
    expect(r).toEqual({ ok: true, changed: [`announce ${V1}`, `announce ${V2}`, `announce ${V6}`] });
    expect(bird.calls.map((c) => c.text)).toEqual(['configure']);
    // BIRD read the new file, not a half-written one.
    expect(bird.calls[0]?.file).toBe(file());
    expect(file()).toMatch(/define GRACEFUL_SHUTDOWN = false;/);
    expect(file()).toMatch(/route 198\.51\.100\.1\/32 blackhole;/);
    expect(file()).toMatch(/route 2001:db8::c633:6402\/128 blackhole;/);
    expect(statSync(join(dir, BIRD_VIPS_FILE)).mode & 0o777).toBe(0o644);
    expect(await speaker().announced()).toEqual([{ vip: V1, gracefulShutdown: false }, { vip: V2, gracefulShutdown: false }, { vip: V6, gracefulShutdown: false }]);
  });

  it('touches nothing when the set is what the file says', async () => {
    await speaker().set([{ vip: V1, gracefulShutdown: false }]);
    const r = await speaker().set([{ vip: V1, gracefulShutdown: false }, { vip: V1, gracefulShutdown: false }]);
    expect(r).toEqual({ ok: true, changed: [] });
    expect(bird.calls).toHaveLength(1);
  });

  it('reports withdrawals and graceful shutdown as changes', async () => {
    await speaker().set([{ vip: V1, gracefulShutdown: false }, { vip: V2, gracefulShutdown: false }]);
    const r = await speaker().set([{ vip: V1, gracefulShutdown: true }]);
    expect(r).toEqual({ ok: true, changed: [`withdraw ${V2}`, `announce ${V1} graceful-shutdown`] });
    expect(file()).toMatch(/define GRACEFUL_SHUTDOWN = true;/);
  });

  it('drains every VIP when any one drains: the file has one switch', async () => {
    const r = await speaker().set([{ vip: V1, gracefulShutdown: true }, { vip: V2, gracefulShutdown: false }]);
    expect(r.ok).toBe(true);
    expect(await speaker().announced()).toEqual([{ vip: V1, gracefulShutdown: true }, { vip: V2, gracefulShutdown: true }]);
  });

  it('takes "Reconfiguration in progress" as accepted', async () => {
    bird.reply = REPLIES.queued;
    expect((await speaker().set([{ vip: V1, gracefulShutdown: false }])).ok).toBe(true);
  });

  it('puts the previous file back when BIRD refuses the new one', async () => {
    await speaker().set([{ vip: V1, gracefulShutdown: false }]);
    const before = file();
    bird.reply = REPLIES.refused;
    const r = await speaker().set([{ vip: V1, gracefulShutdown: false }, { vip: V2, gracefulShutdown: false }]);
    expect(r.ok).toBe(false);
    expect(r.changed).toEqual([]);
    expect(r.ok ? '' : r.error).toBe('expected BIRD on /run/test/bird.ctl to reconfigure, got 0002-Reading configuration from /etc/tierlb/bird.conf; 8002 /etc/tierlb/bird-vips.conf:9:3 syntax error, unexpected CF_SYM_UNDEFINED');
    expect(file()).toBe(before);
  });

  it('puts back an empty set when BIRD is not there on the first write', async () => {
    bird.reply = REPLIES.missing;
    const r = await speaker().set([{ vip: V1, gracefulShutdown: false }]);
    expect(r.ok ? '' : r.error).toBe('expected BIRD to reconfigure: BIRD on /run/test/bird.ctl, command "configure": no such socket (is BIRD running?)');
    expect(await speaker().announced()).toEqual([]);
  });

  it('refuses a VIP of another site before touching anything', async () => {
    const r = await speaker().set([{ vip: '192.0.2.99' as IpAddress, gracefulShutdown: false }]);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/expected VIPs of site example, got 192\.0\.2\.99/) as string, changed: [] });
    expect(bird.calls).toEqual([]);
  });

  it('announces what it can and reports a VIP of a family the node has no address in', async () => {
    // Validation refuses such a site; the driver still must not write a route it cannot announce.
    const v4node = { ...node, addresses: { ipv4: node.addresses.ipv4 } };
    const s = birdSpeaker(site, v4node, { configDir: dir, socket: SOCKET, control: bird });
    const r = await s.set([{ vip: V1, gracefulShutdown: false }, { vip: V6, gracefulShutdown: false }]);
    expect(r.ok).toBe(false);
    expect(r.changed).toEqual([`announce ${V1}`]);
    expect(r.ok ? '' : r.error).toMatch(/node l4-1: expected an ipv6 address to announce 2001:db8::c633:6402, got none/);
    expect(await s.announced()).toEqual([{ vip: V1, gracefulShutdown: false }]);
  });

  it('does not configure again for a set equal after normalisation', async () => {
    await speaker().set([{ vip: V2, gracefulShutdown: false }, { vip: V1, gracefulShutdown: true }]);
    expect((await speaker().set([{ vip: V1, gracefulShutdown: true }, { vip: V2, gracefulShutdown: true }])).changed).toEqual([]);
    expect(bird.calls).toHaveLength(1);
  });
});
