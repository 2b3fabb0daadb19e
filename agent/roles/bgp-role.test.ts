// The shared router/reflector role with a fake driver and a real supervisor
// running a stand-in daemon: start or adopt, reload on a changed file, retry
// a refused reload, stale status after a restart, stop.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SiteNode } from '../../site/index.js';
import { loadSite, REPO } from '../../test/helpers/site.js';
import { nodeOf } from '../../tiers/ecmp/test-sites.js';
import type { RenderedFile } from '../../tiers/common/files.js';
import { createLogger } from '../observe/log.js';
import { createMetrics } from '../observe/metrics.js';
import { systemClock } from '../ports/clock.js';
import type { RoleDeps, RoleStatus } from '../role.js';
import { Supervisor } from '../supervise/supervisor.js';
import { findDaemonPid } from './bgp-adopt.js';
import type { Verdict } from './bgp-bird.js';
import { bgpDaemonRole, BgpStartError, type BgpDaemonDriver } from './bgp-role.js';

const FAKE = join(REPO, 'test', 'fixtures', 'fake-daemon.mjs');
const site = loadSite();

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

class FakeDriver implements BgpDaemonDriver {
  readonly daemon = 'bird' as const;
  readonly where = 'socket /test';
  readonly spec;
  content = 'router id 10.0.0.1;\n';
  foreignAnswers = false;
  verdicts: Verdict[] = [];
  reloads = 0;
  observed = 0;
  constructor(readonly supervisor: Supervisor, tag: string) {
    // A unique argument: no other process on the host has this command line.
    this.spec = { name: 'bird', command: process.execPath, args: [FAKE, 'run', tag], stopTimeoutMs: 500, outlivesAgent: true };
  }
  files(): RenderedFile[] {
    return [{ name: 'bird.conf', daemon: 'bird', content: this.content }];
  }
  answers(): Promise<boolean> {
    return Promise.resolve(this.foreignAnswers || this.supervisor.pid('bird') !== undefined);
  }
  reload(): Promise<Verdict> {
    this.reloads++;
    return Promise.resolve(this.verdicts.shift() ?? { ok: true, detail: 'Reconfigured' });
  }
  observe(): Promise<RoleStatus> {
    this.observed++;
    return Promise.resolve({ maintenance: [], services: [], sessions: [{ peer: 'rr-1', address: '10.0.0.11', family: 'ipv4', state: 'established' }] });
  }
}

describe('bgpDaemonRole', () => {
  const supervisors: Supervisor[] = [];
  const leftovers: number[] = [];
  afterEach(async () => {
    for (const s of supervisors.splice(0)) await s.stopAll();
    for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  function setup(tag: string, observe: { observeEveryMs: number; observeAtMostEveryMs?: number } = { observeEveryMs: 60000 }) {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-bgp-role-'));
    const rt = nodeOf(site, 'rt-1');
    const node = { ...rt, agent: { ...rt.agent, configDir: dir as SiteNode['agent']['configDir'] } };
    const supervisor = new Supervisor(systemClock, () => undefined, { initialMs: 50, maxMs: 200, resetAfterMs: 10000 });
    supervisors.push(supervisor);
    const metrics = createMetrics(new Registry());
    const kicks: string[] = [];
    const deps: RoleDeps = { node, log: createLogger('rt-1', 'silent'), metrics, clock: systemClock, supervisor, kick: (reason) => { kicks.push(reason); return Promise.resolve(); } };
    const driver = new FakeDriver(supervisor, `${tag}-${process.pid}-${Date.now()}`);
    const role = bgpDaemonRole(deps, driver, { checker: async () => ({ ok: true, output: '' }), readyTimeoutMs: 2000, ...observe });
    return { dir, supervisor, metrics, driver, role, kicks };
  }

  const reloadCount = async (metrics: ReturnType<typeof createMetrics>, result: string): Promise<number> =>
    (await metrics.reloads.get()).values.find((v) => v.labels.daemon === 'bird' && v.labels.result === result)?.value ?? 0;

  it('installs the file and starts the daemon when none runs; watches no file', async () => {
    const { dir, supervisor, driver, role } = setup('start');
    expect(role.watched).toEqual([]);
    await role.start(site);
    expect(readFileSync(join(dir, 'bird.conf'), 'utf8')).toBe(driver.content);
    expect(supervisor.pid('bird')).toBeDefined();
    expect(driver.reloads).toBe(0);
    expect(role.status(site).sessions).toEqual([{ peer: 'rr-1', address: '10.0.0.11', family: 'ipv4', state: 'established' }]);
  });

  it('adopts the daemon a previous agent left, without starting a second, and reloads it once', async () => {
    const { supervisor, driver, role } = setup('adopt');
    const old = spawn(driver.spec.command, [...driver.spec.args], { detached: true, stdio: 'ignore' });
    old.unref();
    leftovers.push(old.pid as number);
    // Until the child has exec'd, its command line is the test runner's.
    for (let i = 0; i < 250 && findDaemonPid(driver.spec) !== old.pid; i++) await new Promise((r) => setTimeout(r, 20));
    await role.start(site);
    expect(supervisor.pid('bird')).toBe(old.pid);
    expect(supervisor.list()).toEqual([{ name: 'bird', pid: old.pid, restarts: 0 }]);
    expect(driver.reloads).toBe(1);
    await role.stop(site);
    expect(isAlive(old.pid as number)).toBe(false);
  });

  it('refuses to start beside a daemon it did not start that answers on the socket', async () => {
    const { supervisor, driver, role } = setup('foreign');
    driver.foreignAnswers = true;
    await expect(role.start(site)).rejects.toThrow(BgpStartError);
    await expect(role.start(site)).rejects.toThrow(/a bird that this agent did not start answers on socket \/test; stop it first/);
    expect(supervisor.list()).toEqual([]);
  });

  it('reloads on a changed file only, counts it, and retries a refused reload on the next turn', async () => {
    const { metrics, driver, role } = setup('reload');
    await role.start(site);
    expect(await role.apply(site, await role.plan(site))).toBe(true);
    expect(driver.reloads).toBe(0);
    driver.content = 'router id 10.0.0.9;\n';
    driver.verdicts = [{ ok: false, detail: 'syntax error' }];
    expect(await role.apply(site, await role.plan(site))).toBe(false);
    expect(await reloadCount(metrics, 'refused')).toBe(1);
    // The file is installed already; the reload is still owed.
    expect(await role.apply(site, await role.plan(site))).toBe(true);
    expect(driver.reloads).toBe(2);
    expect(await reloadCount(metrics, 'ok')).toBe(1);
    expect(await role.apply(site, await role.plan(site))).toBe(true);
    expect(driver.reloads).toBe(2);
  });

  it('asks for a turn by itself after a reload the daemon did not take, so a steady site still gets it', async () => {
    const { driver, role, kicks } = setup('retry');
    await role.start(site);
    driver.content = 'router id 10.0.0.9;\n';
    driver.verdicts = [{ ok: false, detail: 'no answer' }];
    expect(await role.apply(site, await role.plan(site))).toBe(false);
    expect(kicks).toEqual([]);
    await vi.waitFor(() => expect(kicks).toEqual(['bird did not take its config: trying again']), { timeout: 4000, interval: 50 });
    await role.stop(site);
  });

  it('refuses a file the checker rejects, keeping the installed one', async () => {
    const { dir, driver, role } = setup('reject');
    await role.start(site);
    const bad = bgpDaemonRole(
      { node: { ...nodeOf(site, 'rt-1'), agent: { ...nodeOf(site, 'rt-1').agent, configDir: dir as SiteNode['agent']['configDir'] } }, log: createLogger('rt-1', 'silent'), metrics: createMetrics(new Registry()), clock: systemClock, supervisor: driver.supervisor, kick: () => Promise.resolve() },
      driver, { checker: async () => ({ ok: false, output: 'bird.conf:1:1 syntax error' }) },
    );
    const before = driver.content;
    driver.content = 'garbage {\n';
    expect(await bad.apply(site, await bad.plan(site))).toBe(false);
    expect(readFileSync(join(dir, 'bird.conf'), 'utf8')).toBe(before);
    expect(driver.reloads).toBe(0);
  });

  it('starts with the files on disk when the new ones are refused, and refuses to start without any', async () => {
    const { dir, supervisor, driver } = setup('ondisk');
    const deps = { node: { ...nodeOf(site, 'rt-1'), agent: { ...nodeOf(site, 'rt-1').agent, configDir: dir as SiteNode['agent']['configDir'] } }, log: createLogger('rt-1', 'silent'), metrics: createMetrics(new Registry()), clock: systemClock, supervisor, kick: () => Promise.resolve() };
    const refusing = bgpDaemonRole(deps, driver, { checker: async () => ({ ok: false, output: 'syntax error' }), readyTimeoutMs: 2000 });
    await expect(refusing.start(site)).rejects.toThrow(/its config was not installed \(rejected\) and none is on disk/);
    expect(supervisor.list()).toEqual([]);
    writeFileSync(join(dir, 'bird.conf'), 'router id 10.0.0.1;\n');
    driver.content = 'garbage {\n';
    await refusing.start(site);
    expect(supervisor.pid('bird')).toBeDefined();
    expect(readFileSync(join(dir, 'bird.conf'), 'utf8')).toBe('router id 10.0.0.1;\n');
    await refusing.stop(site);
  });

  it('shows sessions as unknown once the daemon it read has restarted', async () => {
    const { supervisor, role } = setup('stale');
    await role.start(site);
    const first = supervisor.pid('bird') as number;
    process.kill(first, 'SIGKILL');
    for (let i = 0; i < 100 && (supervisor.pid('bird') ?? first) === first; i++) await new Promise((r) => setTimeout(r, 20));
    const s = role.status(site);
    expect(s.sessions?.[0]?.state).toBe('unknown');
    expect(s.sessions?.[0]?.info).toMatch(/bird (restarted \(pid \d+\)|is not running)/);
  });

  it('stops the daemon on a planned stop', async () => {
    const { supervisor, role } = setup('stop');
    await role.start(site);
    const pid = supervisor.pid('bird') as number;
    await role.stop(site);
    expect(isAlive(pid)).toBe(false);
    expect(supervisor.list()).toEqual([]);
  });

  it('asks a daemon that keeps saying the same less and less often, down to its slowest rate, and at the fast rate again after a turn', async () => {
    const { driver, role } = setup('backoff', { observeEveryMs: 20, observeAtMostEveryMs: 160 });
    await role.start(site);
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    const started = driver.observed;
    await sleep(1000);
    // Waits of 20, 40, 80 then 160 ms: about 8 readings in a second, not 50.
    const slow = driver.observed - started;
    expect(slow).toBeGreaterThanOrEqual(4);
    expect(slow).toBeLessThanOrEqual(12);
    const beforeTurn = driver.observed;
    await role.apply(site, await role.plan(site));
    await sleep(150);
    // The turn's own reading, then readings after waits of 20, 40 and 80 ms (at 160 ms, 2 readings at most).
    expect(driver.observed - beforeTurn).toBeGreaterThanOrEqual(3);
    await role.stop(site);
  });
});
