// The L4 speaker over gobgpd's gRPC API against a real gobgpd 3.10 on
// loopback: what it announces is what the `gobgp` CLI reads back, an
// announce with other communities replaces the path, and a gobgpd that
// stops answering, dies, restarts or answers garbage gives error values and
// a connection that recovers, never an exception.
import { execa } from 'execa';
import { createServer, type Http2Server } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GobgpApiConnection } from '../../agent/drivers/gobgp/api-client.js';
import { gobgpQuickChange } from '../../agent/drivers/gobgp/quick.js';
import { gobgpSpeaker } from '../../agent/drivers/gobgp/speaker.js';
import type { IpAddress } from '../../site/index.js';
import { gobgpListPathRequest, parseGobgpRib } from '../../tiers/ecmp/index.js';
import { nodeOf } from '../../tiers/ecmp/test-sites.js';
import { startLoopbackGobgpd, type LoopbackGobgpd } from '../helpers/gobgpd.js';
import { loadSite } from '../helpers/site.js';

const site = loadSite();
const node = nodeOf(site, 'l4-1');
const V1 = '198.51.100.1' as IpAddress;
const V2 = '198.51.100.2' as IpAddress;
const V6 = '2001:db8::c633:6401' as IpAddress;
const a = (vip: IpAddress, gracefulShutdown = false) => ({ vip, gracefulShutdown });

describe('gobgp speaker over the gRPC API of a real gobgpd', () => {
  let gobgpd: LoopbackGobgpd;
  let api: GobgpApiConnection;

  /** What the gobgp CLI reads from the same daemon: the reference the API reading must equal. */
  const cliReading = async () => {
    const rib = await Promise.all((['ipv4', 'ipv6'] as const).map(async (family) => {
      const r = await execa('gobgp', ['-u', gobgpd.api.host, '-p', String(gobgpd.api.port), 'global', 'rib', '-a', family, '-j']);
      return parseGobgpRib(r.stdout, family);
    }));
    return rib.flat().sort((x, y) => (x.vip < y.vip ? -1 : 1));
  };

  beforeAll(async () => {
    gobgpd = await startLoopbackGobgpd();
    api = new GobgpApiConnection(gobgpd.api, { deadlineMs: 2000 });
    api.follow(gobgpd.pid);
  });

  afterAll(async () => {
    api.close();
    await gobgpd.stop();
  });

  it('announces VIPs of both families and reads back what the CLI reads', async () => {
    const speaker = gobgpSpeaker(site, node, api);
    const r = await speaker.set([a(V1), a(V6)]);
    expect(r).toEqual({ ok: true, changed: [`announce ${V1}`, `announce ${V6}`] });
    expect(await speaker.announced()).toEqual([a(V1), a(V6)]);
    expect(await cliReading()).toEqual([a(V1), a(V6)]);
    const text = (await execa('gobgp', ['-p', String(gobgpd.api.port), 'global', 'rib', '-a', 'ipv6'])).stdout;
    expect(text).toMatch(/2001:db8::c633:6401\/128\s+fd00::21\s.*\{Origin: i\} \{Communities: 64512:100\}/);
  });

  it('replaces the path when a VIP is announced again with the graceful-shutdown community', async () => {
    const speaker = gobgpSpeaker(site, node, api);
    await speaker.set([a(V1), a(V6)]);
    expect(await speaker.set([a(V1, true), a(V6)])).toEqual({ ok: true, changed: [`announce ${V1} graceful-shutdown`] });
    // One path for the prefix, the new one: replaced, not added beside the old.
    const answers = await api.listPath(gobgpListPathRequest('ipv4'));
    const destinations = (answers.ok ? answers.value : []) as { destination: { paths: unknown[] } }[];
    expect(destinations.map((d) => d.destination.paths.length)).toEqual([1]);
    expect(await cliReading()).toEqual([a(V1, true), a(V6)]);
    const text = (await execa('gobgp', ['-p', String(gobgpd.api.port), 'global', 'rib', '-a', 'ipv4'])).stdout;
    expect(text).toMatch(/198\.51\.100\.1\/32\s+10\.0\.0\.21\s.*\{Communities: 64512:100, planned-shut\}/);
  });

  it('withdraws through the quick change, and a second set changes nothing', async () => {
    const speaker = gobgpSpeaker(site, node, api);
    await speaker.set([a(V1), a(V2), a(V6)]);
    const r = await gobgpQuickChange(site, node, api)([a(V1), a(V2), a(V6)], [a(V2)]);
    expect(r.ok).toBe(true);
    expect([...r.changed].sort()).toEqual([`withdraw ${V1}`, `withdraw ${V6}`]);
    expect(await cliReading()).toEqual([a(V2)]);
    expect(await speaker.set([a(V2)])).toEqual({ ok: true, changed: [] });
  });

  it('answers an error value within the deadline while gobgpd is frozen, and works once it runs again', async () => {
    const speaker = gobgpSpeaker(site, node, api);
    await gobgpd.freeze();
    const started = Date.now();
    const r = await speaker.set([a(V1)]);
    gobgpd.signal('SIGCONT');
    expect(r).toEqual({ ok: false, changed: [], error: expect.stringMatching(/^gobgpd API 127\.0\.0\.1:\d+ ListPath: 4 DEADLINE_EXCEEDED/) });
    expect(Date.now() - started).toBeLessThan(4000);
    expect((await speaker.set([a(V1)])).ok).toBe(true);
  });

  it('answers an error value while gobgpd is gone, and announces to the next gobgpd once told its pid', async () => {
    const speaker = gobgpSpeaker(site, node, api);
    await speaker.set([a(V1)]);
    gobgpd.signal('SIGKILL');
    const gone = await speaker.set([a(V1, true)]);
    expect(gone).toEqual({ ok: false, changed: [], error: expect.stringContaining('14 UNAVAILABLE') });
    api.follow(await gobgpd.restart());
    // The new process holds nothing: the whole set goes to it.
    expect(await speaker.announced()).toEqual([]);
    expect(await speaker.set([a(V1, true)])).toEqual({ ok: true, changed: [`announce ${V1} graceful-shutdown`] });
    expect(await cliReading()).toEqual([a(V1, true)]);
  });

  it('says in one line which package to install when the proto files are missing', async () => {
    const missing = new GobgpApiConnection(gobgpd.api, { protoDir: '/nonexistent/gobgp/api' });
    const r = await gobgpSpeaker(site, node, missing).set([a(V1)]);
    expect(r).toEqual({
      ok: false, changed: [],
      error: "gobgp's API definitions are missing (/nonexistent/gobgp/api/gobgp.proto not found): install the Debian package golang-github-osrg-gobgp-dev",
    });
  });

  it('refuses calls once closed', async () => {
    const closed = new GobgpApiConnection(gobgpd.api);
    closed.close();
    expect(await closed.getBgp()).toEqual({ ok: false, error: expect.stringContaining('connection closed') });
  });
});

describe('gobgp API client against a server that answers garbage', () => {
  let server: Http2Server;
  let port = 0;

  beforeAll(async () => {
    // A gRPC frame (no compression, 5 bytes) whose bytes are no protobuf message: a field of wire type 7.
    const frame = Buffer.from([0, 0, 0, 0, 5, 0x0f, 0xff, 0xff, 0xff, 0xff]);
    server = createServer();
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.on('error', () => undefined);
      stream.end(frame);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads a ListPath answer that does not decode as an error, not as nothing announced', async () => {
    const api = new GobgpApiConnection({ host: '127.0.0.1', port }, { deadlineMs: 2000 });
    const r = await gobgpSpeaker(site, node, api).set([a(V1)]);
    api.close();
    expect(r).toEqual({ ok: false, changed: [], error: expect.stringMatching(/^gobgpd API 127\.0\.0\.1:\d+ ListPath: 13 INTERNAL/) });
  });

  it('reports an AddPath answer that does not decode as a failed announce', async () => {
    const api = new GobgpApiConnection({ host: '127.0.0.1', port }, { deadlineMs: 2000 });
    const r = await gobgpQuickChange(site, node, api)([], [a(V1)]);
    api.close();
    expect(r).toEqual({ ok: false, changed: [], error: expect.stringMatching(/^announce 198\.51\.100\.1: gobgpd API 127\.0\.0\.1:\d+ AddPath: 13 INTERNAL/) });
  });
});
