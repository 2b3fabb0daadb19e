// The reflector role's reload decisions against a fake gobgpd that reads the
// gobgpd.toml the role installed: SIGHUP for new neighbors, a restart for a
// new AS or router id (gobgpd 3.10 ignores those on SIGHUP), and a SIGHUP
// that does not show is reported, not assumed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { SiteNode } from '../../site/index.js';
import { changedSite, nodeOf } from '../../tiers/ecmp/test-sites.js';
import type { GobgpApiPort } from '../drivers/gobgp/api-port.js';
import { createLogger } from '../observe/log.js';
import { createMetrics } from '../observe/metrics.js';
import { systemClock } from '../ports/clock.js';
import type { Supervisor } from '../supervise/supervisor.js';
import { reflectorRole } from './reflector.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Value = Record<string, any>;
const withoutRt2 = (v: Value): void => { v.nodes = (v.nodes as Value[]).filter((n) => n.name !== 'rt-2'); };
const small = changedSite(withoutRt2);
const full = changedSite(() => undefined);
const otherAs = changedSite((v) => { withoutRt2(v); v.bgp.asn = 64600; });

const down = { ok: false, error: 'gobgpd API 127.0.0.1:50051 GetBgp: 14 UNAVAILABLE: connect ECONNREFUSED' } as const;

/** gobgpd as the role sees it: the supervisor starts and stops it, SIGHUP re-reads neighbors only. */
class FakeGobgpd {
  running = false;
  ignoreHup = false;
  asn = 0;
  routerId = '';
  neighbors: string[] = [];
  readonly events: string[] = [];
  constructor(private readonly file: string) {}

  readonly supervisor = {
    start: (spec: { name: string }) => { this.events.push(`start ${spec.name}`); this.boot(); },
    stop: (name: string) => { this.events.push(`stop ${name}`); this.running = false; return Promise.resolve(); },
    pid: () => (this.running ? 4242 : undefined),
    signal: (_name: string, signal: string) => {
      this.events.push(signal);
      if (this.running && !this.ignoreHup) this.neighbors = this.read().neighbors;
      return this.running;
    },
    adopt: () => false,
    list: () => [],
  } as unknown as Supervisor;

  /** gobgpd's API as the role calls it: GetBgp and ListPeer answer only while it runs. */
  readonly api: GobgpApiPort = {
    getBgp: async () => (this.running ? { ok: true, value: { global: { asn: this.asn, router_id: this.routerId } } } : down),
    listPeer: async () => (this.running
      ? { ok: true, value: this.neighbors.map((a) => ({ peer: { conf: { neighbor_address: a }, state: { session_state: 'ESTABLISHED' } } })) }
      : down),
    addPath: () => Promise.reject(new Error('fake gobgpd: a reflector announces nothing')),
    deletePath: () => Promise.reject(new Error('fake gobgpd: a reflector withdraws nothing')),
    listPath: () => Promise.reject(new Error('fake gobgpd: a reflector reads no RIB')),
  };

  private boot(): void {
    const conf = this.read();
    Object.assign(this, conf, { running: true });
  }

  private read(): { asn: number; routerId: string; neighbors: string[] } {
    const text = readFileSync(this.file, 'utf8');
    return {
      asn: Number(/^\s*as = (\d+)/m.exec(text)?.[1]),
      routerId: /^\s*router-id = "([^"]+)"/m.exec(text)?.[1] ?? '',
      neighbors: [...text.matchAll(/neighbor-address = "([^"]+)"/g)].map((m) => m[1] ?? ''),
    };
  }
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-reflector-'));
  const rr = nodeOf(small, 'rr-1');
  const node = { ...rr, agent: { ...rr.agent, configDir: dir as SiteNode['agent']['configDir'] } };
  const gobgpd = new FakeGobgpd(join(dir, 'gobgpd.toml'));
  const metrics = createMetrics(new Registry());
  const role = reflectorRole(
    { node, log: createLogger('rr-1', 'silent'), metrics, clock: systemClock, supervisor: gobgpd.supervisor, kick: () => Promise.resolve() },
    gobgpd.api,
    { checker: async () => ({ ok: true, output: '' }), readyTimeoutMs: 1000, observeEveryMs: 60000, settleMs: 300, apiListens: () => Promise.resolve(gobgpd.running) },
  );
  const reloads = async (result: string): Promise<number> =>
    (await metrics.reloads.get()).values.find((v) => v.labels.daemon === 'gobgpd' && v.labels.result === result)?.value ?? 0;
  return { gobgpd, role, reloads };
}

describe('reflectorRole', () => {
  it('starts gobgpd with the installed file and shows its neighbors as sessions', async () => {
    const { gobgpd, role } = setup();
    await role.start(small);
    expect(gobgpd.events).toEqual(['start gobgpd']);
    expect(gobgpd.asn).toBe(64512);
    const s = role.status(small).sessions ?? [];
    expect(s.filter((x) => x.family === 'ipv4').map((x) => `${x.peer} ${x.state}`)).toEqual(['l4-1 established', 'l4-2 established', 'l4-3 established', 'rt-1 established']);
    await role.stop(small);
    expect(gobgpd.events.at(-1)).toBe('stop gobgpd');
  });

  it('takes a new neighbor with SIGHUP, without a restart', async () => {
    const { gobgpd, role, reloads } = setup();
    await role.start(small);
    expect(await role.apply(full, await role.plan(full))).toBe(true);
    expect(gobgpd.events).toEqual(['start gobgpd', 'SIGHUP']);
    expect(gobgpd.neighbors).toContain('10.0.0.2');
    expect(await reloads('ok')).toBe(1);
    await role.stop(full);
  });

  it('restarts gobgpd for a new AS, which SIGHUP would not apply', async () => {
    const { gobgpd, role, reloads } = setup();
    await role.start(small);
    expect(await role.apply(otherAs, await role.plan(otherAs))).toBe(true);
    expect(gobgpd.events).toEqual(['start gobgpd', 'stop gobgpd', 'start gobgpd']);
    expect(gobgpd.asn).toBe(64600);
    expect(await reloads('ok')).toBe(1);
    await role.stop(otherAs);
  });

  it('reports a SIGHUP that gobgpd did not act on, and retries it on the next turn', async () => {
    const { gobgpd, role, reloads } = setup();
    await role.start(small);
    gobgpd.ignoreHup = true;
    expect(await role.apply(full, await role.plan(full))).toBe(false);
    expect(await reloads('refused')).toBe(1);
    gobgpd.ignoreHup = false;
    expect(await role.apply(full, await role.plan(full))).toBe(true);
    expect(gobgpd.events.filter((e) => e === 'SIGHUP')).toHaveLength(2);
    await role.stop(full);
  });
});
