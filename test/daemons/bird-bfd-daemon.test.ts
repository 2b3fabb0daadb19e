// The BFD-only BIRD the L4 agent runs beside gobgpd, through the agent's own
// code (bfdDaemon, BIRD's checker, the real supervisor): it starts from the
// rendered bird-bfd.conf on its own socket, takes an edit of the site with
// `birdc configure` without a restart, and stops when BFD is turned off. It
// runs in a network namespace this test creates (its BFD packets to the
// routers' addresses go nowhere else).
import { execa } from 'execa';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birdControl } from '../../agent/drivers/bird/control.js';
import { createLogger } from '../../agent/observe/log.js';
import { createMetrics } from '../../agent/observe/metrics.js';
import { systemClock } from '../../agent/ports/clock.js';
import { bfdDaemon } from '../../agent/roles/l4/bfd-daemon.js';
import { Supervisor, type DaemonSpec } from '../../agent/supervise/supervisor.js';
import { overrideNode, type Site, type SiteNode } from '../../site/index.js';
import { bgpPaths, renderEcmp } from '../../tiers/ecmp/index.js';
import { changedSite } from '../../tiers/ecmp/test-sites.js';
import { loadSite, nodeOf } from '../helpers/site.js';
import { eventually } from './ecmp-netns.js';

const NS = `tbd${process.pid % 100000}`;
const dir = mkdtempSync(join(tmpdir(), 'tierlb-bird-bfd-'));

function withDirs(site: Site): { site: Site; node: SiteNode } {
  for (const d of ['conf', 'run']) mkdirSync(join(dir, d), { recursive: true });
  const r = overrideNode(site, 'l4-1', { configDir: join(dir, 'conf'), runDir: join(dir, 'run') });
  if (!r.ok) throw new Error(r.reason);
  return { site: r.value, node: nodeOf(r.value, 'l4-1') };
}

const filesOf = (site: Site, node: SiteNode) => renderEcmp(site, node).files.filter((f) => f.daemon === 'bird-bfd');

describe('the BFD-only BIRD beside gobgpd, as the L4 agent runs it', () => {
  const supervisor = new Supervisor(systemClock, () => undefined);
  // The agent's supervisor, starting its daemons inside the test's namespace.
  const inNs = Object.assign(Object.create(supervisor) as Supervisor, {
    start: (spec: DaemonSpec) => supervisor.start({ ...spec, command: 'ip', args: ['netns', 'exec', NS, spec.command, ...spec.args] }),
  });
  const metrics = createMetrics(new Registry());
  const daemon = bfdDaemon({ log: createLogger('l4-1', 'silent'), metrics, supervisor: inNs });
  const { site, node } = withDirs(loadSite());
  const socket = bgpPaths(node).birdBfdSocket;
  const show = async (what: string): Promise<string> => {
    const r = await birdControl(socket).command(what, 2000);
    return r.ok ? r.lines.map((l) => l.text).join('\n') : '';
  };
  const reloads = async (result: string): Promise<number> =>
    (await metrics.reloads.get()).values.find((v) => v.labels.daemon === 'bird-bfd' && v.labels.result === result)?.value ?? 0;

  beforeAll(async () => {
    await execa('ip', ['netns', 'add', NS]);
    await execa('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    // No dummy devices on this kernel: a veth pair whose far end is left down.
    await execa('ip', ['-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    await execa('ip', ['-n', NS, 'link', 'set', 'eth0', 'up']);
    await execa('ip', ['-n', NS, 'address', 'add', '10.0.0.21/24', 'dev', 'eth0']);
    await execa('ip', ['-n', NS, 'address', 'add', 'fd00::21/64', 'dev', 'eth0', 'nodad']);
  });

  afterAll(async () => {
    await supervisor.stopAll();
    await execa('ip', ['netns', 'del', NS], { reject: false });
  });

  it('starts from the rendered bird-bfd.conf on its own socket, with a BFD session to every router', async () => {
    await daemon.configure(node, filesOf(site, node));
    expect(supervisor.pid('bird-bfd')).toBeGreaterThan(0);
    await eventually(async () => /10\.0\.0\.1\b[\s\S]*fd00::1\b|fd00::1\b[\s\S]*10\.0\.0\.1\b/.test(await show('show bfd sessions')), 15000);
    const sessions = await show('show bfd sessions');
    for (const router of ['10.0.0.1', 'fd00::1', '10.0.0.2', 'fd00::2']) expect(sessions).toContain(router);
  });

  it('takes an edit of the BFD timers with birdc configure, without a restart', async () => {
    const pid = supervisor.pid('bird-bfd');
    const edited = withDirs(changedSite((v) => { v.bgp.bfd = { enabled: true, interval: '200ms', multiplier: 3 }; }));
    await daemon.configure(edited.node, filesOf(edited.site, edited.node));
    expect(await reloads('ok')).toBe(1);
    expect(supervisor.pid('bird-bfd')).toBe(pid);
  });

  it('stops when an edit turns BFD off', async () => {
    const pid = supervisor.pid('bird-bfd') as number;
    const off = withDirs(changedSite((v) => { v.bgp.bfd.enabled = false; }));
    await daemon.configure(off.node, filesOf(off.site, off.node));
    expect(supervisor.pid('bird-bfd')).toBeUndefined();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
