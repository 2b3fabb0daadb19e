// The l7 role with fake drivers (HAProxy, kernel, installer, agent-check
// sockets) driven by a real one writer, as the runtime drives it, while the
// site file and the node's agent-check file are edited.
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeHaproxy } from '../../../test/fakes/haproxy.js';
import { FakeMssClamp } from '../../../test/fakes/mss-clamp.js';
import { FakeNet } from '../../../test/fakes/net.js';
import { FakeKernelEvents } from '../../../test/fakes/kernel-events.js';
import { roleHarness, siteFor, type RoleHarness } from '../../../test/helpers/role-harness.js';
import { exampleValue } from '../../../test/helpers/site.js';
import type { Endpoint } from '../../apply/listeners.js';
import type { InstallResult } from '../../install/install.js';
import { RoleStartError } from '../../role.js';
import { KERNEL_CHECK_MS, l7Role, type L7Plan } from './index.js';
import { fileCertificates } from '../../inputs/certificates.js';
import type { FleetView } from '../../../fleet/store.js';
import type { PoolRecord } from '../../../fleet/record.js';

function fleetView(records: Record<string, PoolRecord>): FleetView {
  return { records: new Map(Object.entries(records)), revision: 1, problems: [], source: 'store' };
}

type SiteValue = Record<string, unknown> & { services: Record<string, unknown>[]; bgp: Record<string, unknown>; agent?: Record<string, unknown> };

const running: RoleHarness<L7Plan>[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop().catch(() => undefined);
});

function value(edit: (v: SiteValue) => void = () => undefined): SiteValue {
  const v = exampleValue() as SiteValue;
  v.bgp.drainTime = '10ms';
  edit(v);
  return v;
}

function harness(initial: SiteValue, mss = new FakeMssClamp(), fleet?: () => FleetView | undefined) {
  const haproxy = new FakeHaproxy();
  const net = new FakeNet();
  const kernelEvents = new FakeKernelEvents();
  const listening = new Set<string>();
  const refuse = { config: undefined as string | undefined };
  // Installs whose checker gives no verdict (ran past its bound) before the next one decides.
  const undecided = { left: 0 };
  // Each hint sent, with the enabler commands HAProxy had taken by then and the state saves done.
  const hints: { to: string; from: string; text: string; pushedBefore: number; savedBefore: number }[] = [];
  const h = roleHarness(initial, 'l7-1', (deps) => l7Role(deps, {
    haproxy, net,
    hintSend: async (bytes, to, from) => { hints.push({ to: `${to.address}:${to.port}`, from, text: Buffer.from(bytes).toString('latin1'), pushedBefore: haproxy.enablerCommands().length, savedBefore: haproxy.stateSaves }); },
    install: async (config): Promise<InstallResult> => {
      if (undecided.left > 0) {
        undecided.left--;
        return { kind: 'unchecked', output: 'haproxy did not finish within 30000 ms: Configuration file is valid' };
      }
      if (config === refuse.config) return { kind: 'rejected', output: 'haproxy -c: bad' };
      const changed = haproxy.installed !== config;
      haproxy.installed = config;
      return changed ? { kind: 'installed', changed: ['haproxy.cfg'] } : { kind: 'unchanged' };
    },
    installed: async () => haproxy.installed,
    mssClamp: mss,
    kernelEvents: kernelEvents.port,
    certificates: fileCertificates,
    agentCheck: () => async (e: Endpoint) => {
      const key = `${e.host}:${e.port}`;
      if (listening.has(key)) throw new Error(`EADDRINUSE ${key}`);
      listening.add(key);
      return { port: e.port, close: async () => { listening.delete(key); } };
    },
  }), fleet);
  running.push(h);
  return { ...h, haproxy, net, mss, kernelEvents, listening, refuse, undecided, hints, agentCheckFile: join(h.dir, 'agent-check') };
}

describe('the l7 role', () => {
  it('refuses to start, saying which port is taken, when another process holds its agent-check port (no stack from the CLI)', async () => {
    const h = harness(value());
    h.listening.add('127.0.0.1:9300');
    const started = h.start();
    await expect(started).rejects.toBeInstanceOf(RoleStartError);
    await expect(started).rejects.toThrow(/cannot start: .*127\.0\.0\.1:9300/);
  });

  it('starts HAProxy with the rendered config and pushes the enabler up', async () => {
    const h = harness(value());
    await h.start();
    expect(h.haproxy.loaded).toMatch(/frontend/);
    expect(h.haproxy.enablerCommands().at(-1)).toMatch(/agent up$/);
    expect([...h.listening]).toEqual(['127.0.0.1:9300']);
  });

  it('reads HAProxy\'s server states when a status is asked for, not on a timer', async () => {
    const h = harness(value());
    await h.start();
    const asked = (): number => h.haproxy.commands.filter((c) => c.startsWith('show stat')).length;
    const afterStart = asked();
    await new Promise((r) => setTimeout(r, 1500));
    expect(asked()).toBe(afterStart);
    await h.role.refreshStatus?.();
    expect(asked()).toBe(afterStart + 1);
  });

  it('pushes the enabler down in the turn that reads `down` in the agent-check file', async () => {
    const h = harness(value());
    await h.start();
    writeFileSync(h.agentCheckFile, 'down\n');
    await h.kick(`${h.agentCheckFile} changed`);
    expect(h.haproxy.enablerCommands().at(-3)).toMatch(/agent down$/);
  });

  it('drains a server etcd depools in every backend that has it, and makes it ready again when etcd pools it', async () => {
    const fleet = { view: fleetView({}) };
    const h = harness(value(), undefined, () => fleet.view);
    await h.start();
    const sent = h.haproxy.commands.length;
    fleet.view = fleetView({ 'srv-1': { pooled: 'no', reason: 'disk', who: 'a@h', when: new Date().toISOString() } });
    await h.kick('fleet state changed');
    const drained = h.haproxy.commands.slice(sent).filter((c) => /state drain$/.test(c));
    expect(drained.length).toBeGreaterThanOrEqual(2);
    expect(drained.every((c) => /\/srv-1 state drain$/.test(c))).toBe(true);
    // Nothing more while nothing changes.
    const after = h.haproxy.commands.length;
    await h.kick('nothing new');
    expect(h.haproxy.commands.slice(after).filter((c) => /srv-1/.test(c))).toEqual([]);
    fleet.view = fleetView({ 'srv-1': { pooled: 'yes', reason: 'fixed', who: 'a@h', when: new Date().toISOString() } });
    await h.kick('fleet state changed');
    const ready = h.haproxy.commands.slice(after).filter((c) => /\/srv-1 state ready$/.test(c));
    expect(ready).toHaveLength(drained.length);
  });

  it('takes the node out through its enabler when etcd depools it while it runs, and back when etcd pools it', async () => {
    const fleet = { view: fleetView({}) };
    const h = harness(value(), undefined, () => fleet.view);
    await h.start();
    const sent = h.haproxy.enablerCommands().length;
    fleet.view = fleetView({ 'l7-1': { pooled: 'no', reason: 'r', who: 'a@h', when: new Date().toISOString() } });
    await h.kick('fleet state changed');
    expect(h.haproxy.enablerCommands().slice(sent).some((c) => /agent down$/.test(c))).toBe(true);
    const down = h.haproxy.enablerCommands().length;
    fleet.view = fleetView({ 'l7-1': { pooled: 'yes', reason: 'r', who: 'a@h', when: new Date().toISOString() } });
    await h.kick('fleet state changed');
    expect(h.haproxy.enablerCommands().slice(down).some((c) => /agent up$/.test(c))).toBe(true);
  });

  it('takes the node out through its enabler on an etcd drain, unless its agent-check file says otherwise', async () => {
    const fleet = { view: fleetView({ 'l7-1': { pooled: 'drain', reason: 'kernel upgrade', who: 'a@h', when: new Date().toISOString() } }) };
    const h = harness(value(), undefined, () => fleet.view);
    await h.start();
    expect(h.haproxy.enablerCommands().some((c) => /state drain$/.test(c))).toBe(true);
    expect(h.role.status(h.site()).maintenance[0]?.state).toMatch(/drain \(etcd\)/);
    writeFileSync(h.agentCheckFile, 'up\n');
    await h.kick(`${h.agentCheckFile} changed`);
    expect(h.role.status(h.site()).maintenance[0]?.state).toMatch(/^up \(file\)/);
  });

  it('tells every L4 node to check it now once HAProxy has taken a new state, once per change', async () => {
    const h = harness(value());
    await h.start();
    h.hints.splice(0);
    const saves = h.haproxy.stateSaves;
    writeFileSync(h.agentCheckFile, 'drain\n');
    await h.kick(`${h.agentCheckFile} changed`);
    expect(h.hints.map((x) => `${x.from} -> ${x.to} ${x.text.trim()}`)).toEqual([
      '10.0.1.31 -> 10.0.0.21:9300 tierlb-recheck 1 l7-1', '10.0.1.31 -> 10.0.0.22:9300 tierlb-recheck 1 l7-1', '10.0.1.31 -> 10.0.0.23:9300 tierlb-recheck 1 l7-1',
    ]);
    expect(h.hints.every((x) => x.pushedBefore === h.haproxy.enablerCommands().length)).toBe(true);
    // The state file is saved after the hints are out: the save is a runtime command the L4 nodes need not wait for.
    expect(h.hints.every((x) => x.savedBefore === saves)).toBe(true);
    expect(h.haproxy.stateSaves).toBe(saves + 1);
    await h.kick(`${h.agentCheckFile} settled`, { repair: true });
    expect(h.hints).toHaveLength(3);
  });

  it('reloads HAProxy once for a service added to the site', async () => {
    const h = harness(value());
    await h.start();
    const reloads = h.haproxy.reloads;
    await h.edit(value((v) => { v.services.push({ ...v.services[0], name: 'shop', vips: ['198.51.100.9'], dns: [] }); }));
    expect(h.haproxy.reloads).toBe(reloads + 1);
    expect(h.haproxy.loaded).toMatch(/198\.51\.100\.9/);
  });

  it('binds a new agent-check port before HAProxy reloads onto it, and closes the old one later', async () => {
    const h = harness(value());
    await h.start();
    await h.edit(value((v) => { v.agent = { agentCheckPort: 9301 }; }));
    expect(h.haproxy.loaded).toMatch(/9301/);
    expect([...h.listening].sort()).toEqual(['127.0.0.1:9300', '127.0.0.1:9301']);
    h.skip(60_000);
    await h.kick('agent-check listener linger', { repair: true });
    expect([...h.listening]).toEqual(['127.0.0.1:9301']);
  });

  it('reloads onto a backend\'s new port with the servers\' state carried for that port, not the old one', async () => {
    const h = harness(value());
    await h.start();
    await h.edit(value((v) => {
      const pools = v.pools as { servers: { port: number }[] }[];
      for (const s of pools[0]?.servers ?? []) s.port = 8090;
    }));
    expect(h.haproxy.loaded).toMatch(/10\.0\.2\.41:8090/);
    expect(h.haproxy.carriedPorts.at(-1)?.get('be_web srv-1')).toBe(8090);
    writeFileSync(h.agentCheckFile, 'drain\n');
    await h.kick(`${h.agentCheckFile} changed`);
    expect(h.haproxy.carriedPorts.at(-1)?.get('be_web srv-1')).toBe(8090);
  });

  it('puts back a VIP address deleted from lo by hand at the next kernel drift check, and counts it', async () => {
    const h = harness(value());
    await h.start();
    const vip = h.net.held.find((o) => o.kind === 'address') ?? expect.fail('no VIP address');
    h.net.lose((o) => o === vip);
    await h.kick('turn before the check is due', { repair: true });
    expect(h.net.held).not.toContain(vip);
    h.skip(KERNEL_CHECK_MS);
    await h.kick('kernel state drift check', { repair: true });
    expect(h.net.held).toContainEqual(vip);
    expect((await h.metrics.driftRepairs.get()).values.map((v) => [v.labels.kind, v.value])).toEqual([['address', 1]]);
    expect(h.role.status(h.site()).notes?.join('\n')).toMatch(/kernel state drift check every 60 s: \d+ checks, 1 repairs \(address 1\)/);
  });

  it('puts back a VIP address at once when the kernel reports it deleted, without waiting for the read-back interval', async () => {
    const h = harness(value());
    await h.start();
    const vip = h.net.held.find((o) => o.kind === 'address') ?? expect.fail('no VIP address');
    await h.kick('turn that reads the kernel back', { repair: true });
    h.net.lose((o) => o === vip);
    expect(h.kernelEvents.undo('address deleted from lo')).toBe(true);
    await vi.waitFor(() => expect(h.net.held).toContainEqual(vip), { timeout: 5000, interval: 20 });
    expect((await h.metrics.driftRepairs.get()).values.map((v) => [v.labels.kind, v.value])).toEqual([['address', 1]]);
  });

  it('keeps the VIP addresses of the services it left until their longest timeout has passed, then removes them', async () => {
    const h = harness(value());
    await h.start();
    const addresses = (): string[] => h.net.held.flatMap((o) => (o.kind === 'address' ? [o.address] : [])).sort();
    const served = addresses();
    expect(served.length).toBeGreaterThan(0);
    await h.edit(value((v) => { for (const s of v.services) s.l7 = { ...(s.l7 as object), nodes: ['l7-2', 'l7-3', 'l7-4'] }; }));
    expect(addresses()).toEqual(served);
    h.skip(59_000);
    await h.kick('VIP address departure', { repair: true });
    expect(addresses()).toEqual(served);
    h.skip(2_000);
    await h.kick('VIP address departure', { repair: true });
    expect(addresses()).toEqual([]);
  });

  it('waits for a reload that timed out instead of signalling HAProxy again, then takes it as done', async () => {
    const h = harness(value());
    await h.start();
    h.haproxy.slowReload = true;
    const next = value((v) => { v.services.push({ ...v.services[0], name: 'shop', vips: ['198.51.100.9'], dns: [] }); });
    await h.edit(next);
    expect(h.haproxy.reloads).toBe(1);
    await h.kick('retry');
    await h.kick('retry');
    expect(h.haproxy.reloads).toBe(1);
    h.haproxy.slowReload = false;
    h.haproxy.finishSlowReload();
    await h.kick('retry');
    expect(h.haproxy.reloads).toBe(1);
    expect(h.haproxy.loaded).toMatch(/198\.51\.100\.9/);
    await h.edit(value());
    expect(h.haproxy.reloads).toBe(2);
  });

  it('pushes the enabler state again to a restarted HAProxy on a repair kick', async () => {
    const h = harness(value());
    await h.start();
    writeFileSync(h.agentCheckFile, 'drain\n');
    await h.kick(`${h.agentCheckFile} changed`);
    const before = h.haproxy.enablerCommands().length;
    h.haproxy.restart();
    await h.kick('haproxy started', { repair: true });
    expect(h.haproxy.enablerCommands().length).toBe(before + 3);
    expect(h.haproxy.enablerCommands().slice(-3).join('\n')).toMatch(/state drain/);
  });

  it('keeps serving the last good config when the checker refuses a new one, and does not try it again', async () => {
    const h = harness(value());
    await h.start();
    const good = h.haproxy.loaded;
    const next = value((v) => { v.services.push({ ...v.services[0], name: 'shop', vips: ['198.51.100.9'], dns: [] }); });
    const planned = await h.role.plan(siteFor(next, 'l7-1', h.dir));
    h.refuse.config = planned.config;
    await h.edit(next);
    await h.kick('retry');
    expect(h.haproxy.loaded).toBe(good);
    expect(h.haproxy.reloads).toBe(0);
  });

  it('starts when the checker first runs past its bound: no verdict is not a refusal', async () => {
    const h = harness(value());
    h.undecided.left = 2;
    await h.start();
    expect(h.haproxy.loaded).toBeDefined();
    expect(h.undecided.left).toBe(0);
  });

  it('tries a config again at the next turn when its checker gave no verdict, and reloads onto it', async () => {
    const h = harness(value());
    await h.start();
    h.undecided.left = 1;
    await h.edit(value((v) => { v.services.push({ ...v.services[0], name: 'shop', vips: ['198.51.100.9'], dns: [] }); }));
    expect(h.haproxy.reloads).toBe(0);
    await h.kick('retry');
    expect(h.haproxy.reloads).toBe(1);
  });

  it('refuses to start, as a start error and not a crash, when no config can be checked at all', async () => {
    const h = harness(value());
    h.undecided.left = 99;
    await expect(h.start()).rejects.toBeInstanceOf(RoleStartError);
  });
});

describe('the l7 role\'s MSS clamp', () => {
  it('attaches the program where the node\'s own address is, and fills its maps with the VIPs it serves and what fits the tunnel', async () => {
    const h = harness(value());
    await h.start();
    await h.kick('settle');
    expect([...h.mss.attachedTo]).toEqual(['eth0']);
    expect(h.mss.mss).toEqual({ ipv4: 1440, ipv6: 1400 });
    expect([...h.mss.vips].sort()).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '2001:db8:0:0:0:0:c633:6401', '2001:db8:0:0:0:0:c633:6402', '2001:db8:0:0:0:0:c633:6403', '2001:db8:0:0:0:0:c633:6404']);
    expect(JSON.stringify(h.role.status(h.site()).notes)).toMatch(/MSS clamp: on eth0, 8 VIPs, MSS 1440 \(IPv4\) \/ 1400 \(IPv6\)/);
  });

  it('takes an edit: a VIP added, another underlay MTU, then clamping off, each as one write of the difference', async () => {
    const h = harness(value());
    await h.start();
    await h.kick('settle');
    const before = h.mss.writes.length;
    await h.edit(value((v) => { (v.services[0]?.vips as string[]).push('198.51.100.9'); }));
    expect(h.mss.writes.slice(before)).toEqual([{ add: ['198.51.100.9'], remove: [], mss: {} }]);
    await h.edit(value((v) => { (v.services[0]?.vips as string[]).push('198.51.100.9'); v.l7 = { underlayMtu: 9000 }; }));
    expect(h.mss.mss).toEqual({ ipv4: 8940, ipv6: 8900 });
    await h.edit(value((v) => { v.l7 = { mssClamp: { enabled: false } }; }));
    expect(h.mss.mss).toEqual({ ipv4: 0, ipv6: 0 });
    expect(h.mss.vips.has('198.51.100.9')).toBe(false);
    expect(h.mss.attaches).toBe(1);
  });

  it('serves without it, and says why, when the program is not built', async () => {
    const mss = new FakeMssClamp();
    mss.built = false;
    const h = harness(value(), mss);
    await h.start();
    await h.kick('settle');
    expect(h.haproxy.loaded).toBeDefined();
    expect(mss.attachedTo.size).toBe(0);
    expect(JSON.stringify(h.role.status(h.site()).notes)).toMatch(/MSS clamp: not applied: the MSS clamp program is not built/);
  });
});

describe('the l7 role with TLS certificates', () => {
  const waitFor = async (done: () => boolean, ms = 3000): Promise<void> => {
    const end = Date.now() + ms;
    while (!done()) {
      if (Date.now() > end) throw new Error('expected the watch to bring a turn');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  function tlsValue(cert: string): SiteValue {
    return value((v) => { (v.services[0] as { l7: Record<string, unknown> }).l7.tls = { certificates: [cert] }; });
  }

  it('reloads HAProxy when a certificate\'s content changes, by the watch alone', async () => {
    const cert = join(mkdtempSync(join(tmpdir(), 'tierlb-l7-cert-')), 'www.pem');
    writeFileSync(cert, 'first\n');
    const h = harness(tlsValue(cert));
    await h.start();
    const reloads = h.haproxy.reloads;
    const before = h.haproxy.loaded;
    writeFileSync(cert, 'renewed\n');
    await waitFor(() => h.haproxy.reloads > reloads);
    expect(h.haproxy.loaded).not.toBe(before);
    expect(h.haproxy.loaded).toMatch(new RegExp(`^# certificate ${cert} sha256:[0-9a-f]{64}$`, 'm'));
  });

  it('does not reload HAProxy for a certificate that was only touched', async () => {
    const cert = join(mkdtempSync(join(tmpdir(), 'tierlb-l7-cert-')), 'www.pem');
    writeFileSync(cert, 'same\n');
    const h = harness(tlsValue(cert));
    await h.start();
    const reloads = h.haproxy.reloads;
    const later = new Date(Date.now() + 5000);
    utimesSync(cert, later, later);
    writeFileSync(cert, 'same\n');
    await new Promise((r) => setTimeout(r, 600));
    await h.kick('after the touch');
    expect(h.haproxy.reloads).toBe(reloads);
  });

  it('watches the certificate a site edit adds, and serves it at once', async () => {
    const cert = join(mkdtempSync(join(tmpdir(), 'tierlb-l7-cert-')), 'www.pem');
    writeFileSync(cert, 'first\n');
    const h = harness(value());
    await h.start();
    await h.edit(tlsValue(cert));
    expect(h.haproxy.loaded).toContain(`bind 198.51.100.1:80 ssl crt ${cert} ssl-min-ver TLSv1.2`);
    const reloads = h.haproxy.reloads;
    writeFileSync(cert, 'renewed\n');
    await waitFor(() => h.haproxy.reloads > reloads);
  });
});
