// The l4 role with fake drivers (speaker, IPVS, kernel, L7 health) driven by
// a real one writer, as the agent's runtime drives it: the site is edited
// while the role runs, and every edit must reach the drivers.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeFlowEntropy } from '../../../test/fakes/flow-entropy.js';
import { FakeIpvs } from '../../../test/fakes/ipvs.js';
import { FakeSyncDaemons } from '../../../test/fakes/sync-daemons.js';
import type { NetOp } from '../../../tiers/common/files.js';
import { FakeNet } from '../../../test/fakes/net.js';
import { FakeKernelEvents } from '../../../test/fakes/kernel-events.js';
import { FakeSpeaker } from '../../../test/fakes/speaker.js';
import { roleHarness, type RoleHarness } from '../../../test/helpers/role-harness.js';
import { exampleValue } from '../../../test/helpers/site.js';
import type { KernelService } from '../../../tiers/l4/kernel.js';
import { recheckHintText } from '../../../tiers/l4/recheck-hint.js';
import type { Endpoint } from '../../apply/listeners.js';
import type { MonitorFetch } from '../../health/l7-monitor-fetch.js';
import { TUNNEL_PROBE_GRACE_MS, type KernelCheckService } from '../../../tiers/l4/tunnel-checks.js';
import type { TunnelProbe, TunnelProbeTarget } from '../../health/tunnel-probe.js';
import type { CheckServicesPort } from './check-services-applier.js';
import { IPVS_REPAIR_MS, l4Role, type L4Plan } from './index.js';
import { NET_CHECK_MS } from '../../apply/net-applier.js';
import type { FleetView } from '../../../fleet/store.js';
import type { PoolRecord } from '../../../fleet/record.js';

type SiteValue = Record<string, unknown> & { services: Record<string, unknown>[]; bgp: Record<string, unknown> };

/** The example site with fast L7 checks (one good answer makes a node healthy), so a test waits milliseconds. */
function fastSite(edit: (v: SiteValue) => void = () => undefined): SiteValue {
  const v = exampleValue() as SiteValue;
  for (const s of v.services) (s.l7 as Record<string, unknown>).check = { ...((s.l7 as Record<string, unknown>).check as object), interval: '50ms', timeout: '40ms', rise: 1, fall: 1 };
  // A planned stop (after each test) drains this long.
  v.bgp.drainTime = '100ms';
  edit(v);
  return v;
}

const running: RoleHarness<L4Plan>[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop().catch(() => undefined);
});

/** The kernel's check services and a tunnel that drops what reaches a node listed in `blackholed`. */
function fakeTunnel() {
  const services = new Map<string, KernelCheckService>();
  const blackholed = new Set<number>();
  const probes: TunnelProbeTarget[] = [];
  const port: CheckServicesPort = {
    read: async (isOurs) => [...services.values()].filter((s) => isOurs(s.mark)),
    apply: async (ops) => {
      for (const op of ops) {
        const id = `${op.service.mark}/${op.service.family}`;
        if (op.kind === 'delete') services.delete(id);
        else services.set(id, op.service);
      }
      return { ok: true };
    },
  };
  const probe: TunnelProbe = async (t) => {
    probes.push(t);
    return blackholed.has(t.mark) ? { kind: 'timeout' } : { kind: 'ok' };
  };
  return { services, blackholed, probes, drivers: { probe, services: port } };
}

function harness(value: SiteValue, monitorFetch: MonitorFetch = async () => ({ kind: 'answer', status: 200, body: 'web=4 api=4 ' }), tunnel = fakeTunnel(), flowEntropy = new FakeFlowEntropy(), fleet?: () => FleetView | undefined) {
  const speaker = new FakeSpeaker();
  const ipvs = new FakeIpvs();
  const net = new FakeNet();
  const kernelEvents = new FakeKernelEvents();
  const syncDaemons = new FakeSyncDaemons();
  // The hint sockets: what the role bound, and a way to deliver a datagram to it.
  const hints = { bound: [] as Endpoint[], deliver: (_bytes: Uint8Array, _from: string): void => undefined };
  const h = roleHarness(value, 'l4-1', (deps) => l4Role(deps, {
    speaker, net, ipvs: () => ({ port: ipvs, note: 'fake IPVS' }), ipvsAvailable: async () => ({ ok: true }), monitorFetch, monitorWatch: () => () => undefined,
    recheckHints: (onDatagram) => async (e) => {
      hints.bound.push(e);
      hints.deliver = onDatagram;
      return { port: e.port, close: async () => { hints.bound = hints.bound.filter((b) => b !== e); } };
    },
    tunnelChecks: () => tunnel.drivers,
    flowEntropy,
    kernelEvents: kernelEvents.port,
    connectionSync: { port: () => ({ port: syncDaemons }), counters: { origins: async () => ({ local: 3, sync: 2 }), backupDrops: async () => 0 } },
  }), fleet);
  running.push(h);
  return { ...h, speaker, ipvs, net, hints, tunnel, flowEntropy, kernelEvents, syncDaemons, disableFile: join(h.dir, 'disable') };
}

const waitFor = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 5000, interval: 20 });

function fleetView(records: Record<string, PoolRecord>): FleetView {
  return { records: new Map(Object.entries(records)), revision: 1, problems: [], source: 'store' };
}

describe('the l4 role', () => {
  it('announces every VIP once its L7 nodes are healthy and its IPVS table is verified', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    expect(h.ipvs.services.map((s) => `${s.vip}:${s.port}`)).toContain('198.51.100.1:80');
  });

  it('checks an L7 node at once on its recheck hint, long before its interval, and ignores a hint from elsewhere', async () => {
    let drained = false;
    let fetches = 0;
    const h = harness(fastSite((v) => {
      for (const s of v.services) (s.l7 as Record<string, unknown>).check = { ...((s.l7 as Record<string, unknown>).check as object), interval: '60s', timeout: '1s' };
    }), async (t) => {
      fetches++;
      return t.address === '10.0.1.31' && drained ? { kind: 'answer', status: 503, body: '' } : { kind: 'answer', status: 200, body: 'web=4 api=4 ' };
    });
    await h.start();
    // A joining node announces once its L7 nodes' health held for a full rise (interval × rise).
    h.skip(61_000);
    await h.kick('health settled');
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    expect(h.hints.bound.map((e) => `${e.host} ${e.port}`).sort()).toEqual(['10.0.0.21 9300', 'fd00::21 9300']);
    const weightsOf = (address: string): number[] => h.ipvs.services.flatMap((s) => s.destinations.filter((d) => d.address === address).map((d) => d.weight));
    expect(weightsOf('10.0.1.31').every((w) => w > 0)).toBe(true);
    drained = true;
    const before = fetches;
    h.hints.deliver(Buffer.from(recheckHintText('l7-1')), '10.0.1.99');
    h.hints.deliver(Buffer.from('tierlb-recheck 1 l7-1 and more'), '10.0.1.31');
    await new Promise((r) => setTimeout(r, 200));
    expect(fetches).toBe(before);
    h.hints.deliver(Buffer.from(recheckHintText('l7-1')), '10.0.1.31');
    await waitFor(() => expect(weightsOf('10.0.1.31').every((w) => w === 0)).toBe(true));
    expect(weightsOf('10.0.1.32').every((w) => w > 0)).toBe(true);
  });

  it('announces a VIP added to a service after start', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    await h.edit(fastSite((v) => { (v.services[0]?.vips as string[]).push('198.51.100.77'); }));
    await waitFor(() => expect(h.speaker.announced()).toContain('198.51.100.77'));
    expect(h.ipvs.services.some((s) => s.vip === '198.51.100.77')).toBe(true);
  });

  it('withdraws on a depool in etcd as on the disable file, graceful-shutdown first, and the file wins over a pool', async () => {
    const fleet = { view: fleetView({}) };
    const h = harness(fastSite((v) => { v.bgp.drainTime = '300ms'; }), undefined, undefined, undefined, () => fleet.view);
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    fleet.view = fleetView({ 'l4-1': { pooled: 'no', reason: 'test', who: 'alice@h', when: new Date().toISOString() } });
    await h.kick('fleet state changed');
    expect([...h.speaker.rib.values()].every((a) => a.gracefulShutdown)).toBe(true);
    expect(h.role.status(h.site()).maintenance[0]?.state).toMatch(/disabled since .* by etcd/);
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(0));
    // The disable file on the node keeps it out when etcd pools it again.
    writeFileSync(h.disableFile, 'local trouble\n');
    fleet.view = fleetView({});
    await h.kick('fleet state changed');
    await new Promise((r) => setTimeout(r, 100));
    expect(h.speaker.announced()).toHaveLength(0);
    rmSync(h.disableFile);
    await h.kick(`${h.disableFile} changed`);
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
  });

  it('announces again by itself when an etcd depool expires', async () => {
    // Long enough that a busy machine's start cannot outlast it; the check only needs it to end by itself.
    const fleet = { view: fleetView({ 'l4-1': { pooled: 'no', reason: 'ttl', who: 'a@h', when: new Date().toISOString(), expires: new Date(Date.now() + 2000).toISOString() } }) };
    const h = harness(fastSite(), undefined, undefined, undefined, () => fleet.view);
    await h.start();
    expect(h.role.status(h.site()).maintenance[0]?.state).toMatch(/by etcd/);
    const attracting = (): number => [...h.speaker.rib.values()].filter((a) => !a.gracefulShutdown).length;
    expect(attracting()).toBe(0);
    await vi.waitFor(() => expect(attracting()).toBe(8), { timeout: 15000, interval: 50 });
    expect(h.role.status(h.site()).maintenance[0]?.state).not.toMatch(/etcd/);
  });

  it('still moves traffic away on disable after a VIP was added', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    await h.edit(fastSite((v) => { (v.services[0]?.vips as string[]).push('198.51.100.77'); }));
    await waitFor(() => expect(h.speaker.announced()).toContain('198.51.100.77'));
    const state = async (): Promise<unknown[]> => (await h.metrics.maintenance.get()).values.map((v) => [v.labels.file, v.labels.state, v.value]);
    expect(await state()).toEqual([[h.disableFile, 'enabled', 1]]);
    writeFileSync(h.disableFile, 'maintenance\n');
    await h.kick(`${h.disableFile} changed`);
    expect(h.speaker.rib.get('198.51.100.77')?.gracefulShutdown).toBe(true);
    expect([...h.speaker.rib.values()].every((a) => a.gracefulShutdown)).toBe(true);
    expect(await state()).toEqual([[h.disableFile, 'disabled', 1]]);
  });

  it('withdraws a VIP removed from the site and deletes its IPVS service', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toContain('198.51.100.2'));
    await h.edit(fastSite((v) => { const web = v.services[0] ?? {}; web.vips = (web.vips as string[]).filter((x) => x !== '198.51.100.2'); }));
    expect(h.speaker.announced()).not.toContain('198.51.100.2');
    expect(h.ipvs.services.some((s) => s.vip === '198.51.100.2')).toBe(false);
  });

  it('hands a change of bgp settings alone to the speaker', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    const before = h.speaker.configures.length;
    await h.edit(fastSite((v) => { v.bgp.holdTime = '9s'; v.bgp.keepalive = '3s'; }));
    expect(h.speaker.configures.length).toBe(before + 1);
    expect(h.speaker.config?.files.map((f) => f.content).join('\n')).toMatch(/hold-time = 9/);
  });

  it('announces every VIP again with the new communities when bgp communities change', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    await h.edit(fastSite((v) => { v.bgp.communities = { gracefulShutdown: '65535:0', vip: ['64512:100', '64512:200'] }; }));
    const attributes = [...h.speaker.rib.values()].map((a) => a.attributes);
    expect(attributes).toHaveLength(8);
    for (const a of attributes) expect(a).toContain('64512:200');
  });

  it('moves the BIRD speaker\'s sessions to new BGP timers one at a time, each once the other is established', async () => {
    const h = harness(fastSite((v) => { v.bgp.speaker = 'bird'; }));
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    const holds = (): Map<string, string> => new Map([...(h.speaker.config?.files.find((f) => f.name === 'bird.conf')?.content ?? '')
      .matchAll(/protocol bgp (\w+)[\s\S]*?hold time (\d+);/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const sessions = [...holds().keys()];
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    h.speaker.sessionsUp = new Set(sessions);
    await h.edit(fastSite((v) => { v.bgp.speaker = 'bird'; v.bgp.holdTime = '9s'; v.bgp.keepalive = '3s'; }));
    // Read the sessions (all up), move one; its restart takes it down.
    await h.kick('BGP sessions', { repair: true });
    const first = [...holds()].filter(([, t]) => t === '9').map(([s]) => s);
    expect(first).toHaveLength(1);
    h.speaker.sessionsUp.delete(first[0] ?? '');
    await h.kick('BGP sessions', { repair: true });
    expect([...holds()].filter(([, t]) => t === '9')).toHaveLength(1);
    // Established again: the next one moves.
    h.speaker.sessionsUp.add(first[0] ?? '');
    await h.kick('BGP sessions', { repair: true });
    expect([...holds()].filter(([, t]) => t === '9')).toHaveLength(2);
  });

  it('gives a restarted speaker the whole set again on a repair kick', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    h.speaker.restart();
    await h.kick('gobgpd started', { repair: true });
    expect(h.speaker.announced()).toHaveLength(8);
  });

  it('repairs a destination deleted by hand on the drift check', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    const first = (): KernelService => h.ipvs.services[0] ?? expect.fail('no IPVS service');
    h.ipvs.services[0] = { ...first(), destinations: first().destinations.slice(1) };
    await h.kick('IPVS drift check', { repair: true });
    expect(first().destinations).toHaveLength(3);
    h.skip(IPVS_REPAIR_MS);
    await h.kick('IPVS drift check', { repair: true });
    expect(first().destinations).toHaveLength(4);
  });

  it('puts back a VIP address and its device undone by hand at the next read of the kernel (NET_CHECK_MS, not every IPVS check), counts them and says so', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    const gone = (op: NetOp): boolean => (op.kind === 'address' && op.address === '198.51.100.2') || op.kind === 'up';
    h.net.lose(gone);
    await h.kick('turn before the check is due', { repair: true });
    expect(h.net.held.some(gone)).toBe(false);
    h.skip(IPVS_REPAIR_MS);
    await h.kick('IPVS drift check', { repair: true });
    expect(h.net.held.some(gone)).toBe(false);
    h.skip(NET_CHECK_MS);
    await h.kick('IPVS drift check', { repair: true });
    expect(h.net.held.filter(gone).length).toBeGreaterThanOrEqual(2);
    const counted = (await h.metrics.driftRepairs.get()).values.map((v) => [v.labels.kind, v.value]);
    expect(counted).toEqual(expect.arrayContaining([['address', 1], ['link', expect.any(Number)]]));
    expect(h.role.status(h.site()).notes?.join('\n')).toMatch(/kernel state drift check every 60 s: \d+ checks, [1-9]\d* repairs \(/);
  });

  it('puts back a VIP address at once when the kernel reports it deleted, long before the read-back interval, and stops listening on a planned stop', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    const gone = (op: NetOp): boolean => op.kind === 'address' && op.address === '198.51.100.2';
    await h.kick('turn that reads the kernel back', { repair: true });
    h.net.lose(gone);
    expect(h.kernelEvents.undo('address 198.51.100.2/32 deleted from tierlb0')).toBe(true);
    await waitFor(() => expect(h.net.held.some(gone)).toBe(true));
    expect((await h.metrics.driftRepairs.get()).values.map((v) => [v.labels.kind, v.value])).toEqual([['address', 1]]);
    await h.stop();
    expect(h.kernelEvents.stopped).toBe(true);
  });

  it('announces again at the next drift check a VIP withdrawn from the speaker by hand, and counts it', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    h.speaker.rib.delete('198.51.100.2');
    await h.kick('turn before the check is due', { repair: true });
    expect(h.speaker.announced()).toHaveLength(7);
    h.skip(IPVS_REPAIR_MS);
    await h.kick('IPVS drift check', { repair: true });
    expect(h.speaker.announced()).toContain('198.51.100.2');
    expect((await h.metrics.driftRepairs.get()).values.filter((v) => v.labels.kind === 'route').map((v) => v.value)).toEqual([1]);
    expect(h.role.status(h.site()).notes?.join('\n')).toContain('BGP speaker: 1 announcements put back');
  });

  it('announces nothing new while the IPVS table cannot be applied', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    h.ipvs.apply = async () => ({ ok: false, error: 'kernel says no' });
    await h.edit(fastSite((v) => { (v.services[0]?.vips as string[]).push('198.51.100.77'); }));
    await h.kick('retry');
    expect(h.speaker.announced()).not.toContain('198.51.100.77');
  });

  it('keeps the running speaker config when the checker refuses a new one, and says so', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    h.speaker.refuseConfig = 'gobgpd: bad config';
    await h.edit(fastSite((v) => { v.bgp.holdTime = '9s'; }));
    expect(h.speaker.announced()).toHaveLength(8);
    const vip = h.role.status(h.site()).services[0]?.vips[0];
    expect(vip?.reason).toMatch(/gobgpd: bad config/);
  });
});

describe('the l4 role removing an L7 node', () => {
  const withoutL7 = (name: string) => fastSite((v) => {
    for (const s of v.services) (s.l7 as Record<string, unknown>).nodes = ['l7-1', 'l7-2', 'l7-3', 'l7-4'].filter((n) => n !== name);
  });
  const weightOf = (h: ReturnType<typeof harness>, node: string): number | undefined =>
    h.ipvs.services.find((s) => s.vip === '198.51.100.1')?.destinations.find((d) => d.address === nodeAddress(node))?.weight;
  const nodeAddress = (node: string): string => `10.0.1.3${node.slice(-1)}`;

  it('gives it weight 0 first and keeps it while it has connections', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    h.ipvs.services = h.ipvs.services.map((s) => ({ ...s, destinations: s.destinations.map((d) => ({ ...d, activeConns: 2 })) }));
    await h.edit(withoutL7('l7-2'));
    expect(weightOf(h, 'l7-2')).toBe(0);
  });

  it('removes it once the kernel shows its connections gone', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    h.ipvs.services = h.ipvs.services.map((s) => ({ ...s, destinations: s.destinations.map((d) => ({ ...d, activeConns: 2 })) }));
    await h.edit(withoutL7('l7-2'));
    h.ipvs.services = h.ipvs.services.map((s) => ({ ...s, destinations: s.destinations.map((d) => ({ ...d, activeConns: 0 })) }));
    h.skip(IPVS_REPAIR_MS);
    await h.kick('IPVS drift check', { repair: true });
    await h.kick('IPVS drift check', { repair: true });
    expect(weightOf(h, 'l7-2')).toBeUndefined();
  });
});

describe('the l4 role finding IPVS services it did not plan', () => {
  it('deletes a UDP service found in the kernel, as UDP, and keeps announcing', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    const isWeb = (s: KernelService): boolean => s.protocol === 'tcp' && s.vip === '198.51.100.1' && s.port === 80;
    const web = h.ipvs.services.find(isWeb) ?? expect.fail('no web service');
    // Made by hand: one on a VIP and port of its own, one beside the planned TCP service (HTTP/3, say), whose flows must survive.
    h.ipvs.services = [
      ...h.ipvs.services.map((s) => (s === web ? { ...s, destinations: s.destinations.map((d) => ({ ...d, activeConns: 2 })) } : s)),
      { protocol: 'udp', vip: '198.51.100.9', port: 53, scheduler: 'rr', flags: [], destinations: [] },
      { ...web, protocol: 'udp', destinations: [] },
    ];
    h.skip(IPVS_REPAIR_MS);
    await h.kick('IPVS drift check', { repair: true });
    expect(h.ipvs.services.filter((s) => s.protocol !== 'tcp')).toEqual([]);
    expect(h.ipvs.services.find(isWeb)?.destinations.map((d) => d.activeConns)).toEqual([2, 2, 2, 2]);
    expect(h.speaker.announced()).toHaveLength(8);
  });
});

describe('the l4 role\'s checks through the tunnel', () => {
  const weightsOf = (h: ReturnType<typeof harness>, address: string): number[] =>
    h.ipvs.services.flatMap((s) => s.destinations.filter((d) => d.address === address).map((d) => d.weight));

  it('gives an L7 node weight 0 while its VIPs do not answer through the tunnel, though its monitor does, and its weight back once they do', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    const marks = [...h.tunnel.services.values()].map((s) => `${s.mark}/${s.family} ${s.address}`).sort();
    expect(marks).toHaveLength(8);
    expect(marks).toContain('2115698688/ipv4 10.0.1.31');
    expect(marks).toContain('2115698691/ipv6 fd00:1::34');
    expect(weightsOf(h, '10.0.1.31').every((w) => w > 0)).toBe(true);
    h.tunnel.blackholed.add(2115698688);
    // A VIP and port count only once the checks have held them through their grace.
    await new Promise((r) => setTimeout(r, 300));
    expect(weightsOf(h, '10.0.1.31').every((w) => w > 0)).toBe(true);
    h.skip(TUNNEL_PROBE_GRACE_MS);
    await waitFor(() => expect(weightsOf(h, '10.0.1.31').every((w) => w === 0)).toBe(true));
    expect(weightsOf(h, '10.0.1.32').every((w) => w > 0)).toBe(true);
    expect(JSON.stringify(h.role.status(h.site()).services)).toMatch(/no answer through the tunnel: \S+:\d+: timeout/);
    h.tunnel.blackholed.clear();
    await waitFor(() => expect(weightsOf(h, '10.0.1.31').every((w) => w > 0)).toBe(true));
  });

  it('checks every VIP and port of a service, from the node\'s own address of the VIP\'s family, with the L7 node\'s mark', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.tunnel.probes.some((p) => p.vip.includes(':'))).toBe(true));
    const seen = new Set(h.tunnel.probes.map((p) => `${p.mark} ${p.localAddress} -> ${p.vip}:${p.port} ${p.mode}`));
    expect(seen).toContain('2115698688 10.0.0.21 -> 198.51.100.1:80 http');
    expect(seen).toContain('2115698689 fd00::21 -> 2001:db8::c633:6402:80 http');
    expect(seen).toContain('2115698691 10.0.0.21 -> 198.51.100.4:8443 tcp');
  });

  it('checks an L7 node added to the site once its check service is in the kernel, and removes the service of one taken out', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    await h.edit(fastSite((v) => { (v.nodes as Record<string, unknown>[]).push({ name: 'l7-5', role: 'l7', addresses: { ipv4: '10.0.1.35', ipv6: 'fd00:1::35' } }); }));
    await waitFor(() => expect(h.tunnel.probes.some((p) => p.mark === 2115698692)).toBe(true));
    expect(h.tunnel.services.get('2115698692/ipv4')?.address).toBe('10.0.1.35');
    await h.edit(fastSite());
    await waitFor(() => expect(h.tunnel.services.has('2115698692/ipv4')).toBe(false));
  });

  it('starts checking through the tunnel when an edit turns the checks on, and stops when one turns them off', async () => {
    const h = harness(fastSite((v) => { v.l4 = { tunnelChecks: { enabled: false } }; }));
    h.tunnel.blackholed.add(2115698688);
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    expect(weightsOf(h, '10.0.1.31').every((w) => w > 0)).toBe(true);
    await h.edit(fastSite());
    h.skip(TUNNEL_PROBE_GRACE_MS);
    await waitFor(() => expect(weightsOf(h, '10.0.1.31').every((w) => w === 0)).toBe(true));
    await h.edit(fastSite((v) => { v.l4 = { tunnelChecks: { enabled: false } }; }));
    await waitFor(() => expect(weightsOf(h, '10.0.1.31').every((w) => w > 0)).toBe(true));
    expect(h.tunnel.services.size).toBe(0);
  });

  it('sets the checks aside, and says so, when every L7 node fails them at once: a broken check path must not withdraw the service', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    for (const mark of [2115698688, 2115698689, 2115698690, 2115698691]) h.tunnel.blackholed.add(mark);
    h.skip(TUNNEL_PROBE_GRACE_MS);
    await waitFor(() => expect(JSON.stringify(h.role.status(h.site()).notes)).toMatch(/set aside for web, api/));
    await h.kick('look again');
    expect(h.speaker.announced()).toHaveLength(8);
    expect(h.ipvs.services.every((s) => s.destinations.every((d) => d.weight > 0))).toBe(true);
  });

  it('leaves the monitor alone to decide when the site turns the checks off', async () => {
    const h = harness(fastSite((v) => { v.l4 = { tunnelChecks: { enabled: false } }; }));
    h.tunnel.blackholed.add(2115698688);
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    expect(h.tunnel.services.size).toBe(0);
    expect(h.tunnel.probes).toHaveLength(0);
    expect(weightsOf(h, '10.0.1.31').every((w) => w > 0)).toBe(true);
  });
});

describe('the l4 role\'s flow entropy', () => {
  const withSources = (v: SiteValue): void => {
    const l4 = (v.nodes as Record<string, unknown>[]).find((n) => n.name === 'l4-1') as Record<string, unknown>;
    l4.tunnelSources = { ipv4: '10.0.0.64/27', ipv6: 'fd00::1:40/124' };
  };

  it('attaches nothing while the node has no tunnel sources, and says why', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    expect(h.flowEntropy.attaches).toBe(0);
    expect(h.role.status(h.site()).notes).toContain('flow entropy: off (no tunnelSources for this node)');
  });

  it('takes sources given by an edit of the running site, holds them on its VIP device, and empties the tables when an edit takes them away', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    await h.edit(fastSite(withSources));
    await waitFor(() => expect(h.flowEntropy.counts()).toEqual({ ipv4: 32, ipv6: 16 }));
    expect(h.flowEntropy.tables.get('ipv4')?.own).toBe('10.0.0.21');
    expect(h.flowEntropy.attachedTo).toEqual(new Set(['eth0']));
    expect(h.net.held.filter((op) => op.kind === 'address' && op.address.startsWith('10.0.0.'))).toHaveLength(32);
    expect(h.role.status(h.site()).notes).toContain('flow entropy: on eth0, 32 ipv4 sources, 16 ipv6 sources');
    await h.edit(fastSite((v) => { withSources(v); v.l4 = { flowEntropy: { enabled: false } }; }));
    await waitFor(() => expect(h.flowEntropy.counts()).toEqual({ ipv4: 0, ipv6: 0 }));
    expect(h.net.held.filter((op) => op.kind === 'address' && op.address.startsWith('10.0.0.'))).toHaveLength(0);
    expect(h.speaker.announced()).toHaveLength(8);
  });

  it('serves without it when the tables cannot be written, and writes them at a later turn', async () => {
    const flowEntropy = new FakeFlowEntropy();
    flowEntropy.failWrites = 1;
    const h = harness(fastSite(withSources), undefined, fakeTunnel(), flowEntropy);
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    await waitFor(() => expect(flowEntropy.counts()).toEqual({ ipv4: 32, ipv6: 16 }));
  });
});

describe('the l4 role\'s connection sync', () => {
  const sync = (settings: Record<string, unknown>) => (v: SiteValue): void => { v.l4 = { connectionSync: settings }; };
  const running = (h: ReturnType<typeof harness>): string[] => h.syncDaemons.running.map((d) => `${d.state} ${d.interface} ${d.group}:${d.port} ttl ${d.ttl} id ${d.syncId}`);

  it('runs no daemon while the site leaves it off, and starts both on an edit that turns it on, with its sysctls', async () => {
    const h = harness(fastSite());
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    expect(h.syncDaemons.running).toEqual([]);
    expect(h.role.status(h.site()).notes).toContain('connection sync: off');
    await h.edit(fastSite(sync({ enabled: true, interface: 'eth1', group: '239.1.2.3' })));
    await waitFor(() => expect(running(h)).toEqual(['master eth1 239.1.2.3:8848 ttl 1 id 1', 'backup eth1 239.1.2.3:8848 ttl 1 id 1']));
    expect(h.net.held).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'sysctl', key: 'net.ipv4.vs.sync_version', value: '1' })]));
    expect(h.role.status(h.site()).notes?.find((n) => n.startsWith('connection sync:'))).toContain('master on eth1, 239.1.2.3:8848 ttl 1, sync ID 1');
    const metrics = await h.metrics.registry.metrics();
    expect(metrics).toContain('tierlb_l4_sync_daemon_up{state="master"} 1');
    expect(metrics).toContain('tierlb_l4_sync_daemon_changes_total{state="backup",action="start"} 1');
    expect(metrics).toContain('tierlb_l4_sync_connections{origin="sync"} 2');
  });

  it('moves both daemons to new settings on a live edit, and stops them when an edit turns sync off; VIPs stay announced', async () => {
    const h = harness(fastSite(sync({ enabled: true, interface: 'eth1' })));
    await h.start();
    await waitFor(() => expect(running(h)).toHaveLength(2));
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    await h.edit(fastSite(sync({ enabled: true, interface: 'eth0', port: 8900, ttl: 2, syncId: 4 })));
    await waitFor(() => expect(running(h)).toEqual(['master eth0 224.0.0.81:8900 ttl 2 id 4', 'backup eth0 224.0.0.81:8900 ttl 2 id 4']));
    await h.edit(fastSite());
    await waitFor(() => expect(h.syncDaemons.running).toEqual([]));
    expect(h.speaker.announced()).toHaveLength(8);
    expect(await h.metrics.registry.metrics()).toContain('tierlb_l4_sync_daemon_changes_total{state="master",action="stop"} 2');
  });

  it('serves and announces when the kernel refuses the daemons, and says why', async () => {
    const h = harness(fastSite(sync({ enabled: true, interface: 'eth7' })));
    await h.start();
    await waitFor(() => expect(h.speaker.announced()).toHaveLength(8));
    await waitFor(() => expect(h.role.status(h.site()).notes?.find((n) => n.startsWith('connection sync:'))).toContain('No such device (ENODEV)'));
    expect(h.syncDaemons.running).toEqual([]);
  });
});
