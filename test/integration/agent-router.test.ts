// A router's and a reflector's agents as real processes in network
// namespaces, with real BIRD and gobgpd: two L4 nodes' gobgpd speakers (run
// directly from their rendered gobgpd.toml) announce a VIP through the
// reflector, and the router installs one multipath kernel route. Then BIRD
// is killed and restarted (in graceful-restart recovery: the route keeps both
// next hops throughout), the site changes (applied with birdc configure)
// and goes bad (refused), a crashed agent's BIRD is adopted, and planned
// stops leave no daemon behind.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { StatusReport } from '../../agent/observe/status.js';
import { findDaemonPid } from '../../agent/roles/bgp-adopt.js';
import { nodeNamed, type IpAddress, type Site, type SiteNode } from '../../site/index.js';
import { birdSpec, gobgpAnnounceArgs, gobgpdSpec, renderEcmp } from '../../tiers/ecmp/index.js';
import { waitFor } from '../helpers/agent.js';
import { exampleValue, parseValue, REPO } from '../helpers/site.js';

const TAG = `te${process.pid % 100000}`;
const STATUS_PORT = 9901;
const VIP = '198.51.100.1';
const NEW_VIP = '198.51.100.5';
const LAB_NODES = ['rt-1', 'rr-1', 'l4-1', 'l4-2'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Value = Record<string, any>;

/** The example trimmed to one router and one reflector; the other nodes stay (services need them) but do not run. */
function siteValue(change?: (v: Value) => void, keep: readonly string[] = []): Value {
  const v = exampleValue() as Value;
  v.nodes = (v.nodes as Value[]).filter((n) => !['rt-2', 'rr-2', 'l4-3'].filter((x) => !keep.includes(x)).includes(n.name as string));
  for (const n of v.nodes as Value[]) if (n.peers) n.peers = ['rr-1'];
  change?.(v);
  return v;
}

function siteOfValue(v: Value): Site {
  const { site, issues } = parseValue(v);
  if (!site) throw new Error(`test site is invalid: ${JSON.stringify(issues)}`);
  return site;
}

const nsOf = (node: string): string => `${TAG}-${node}`;
const inNs = (node: string, cmd: string, args: readonly string[]) =>
  execa('ip', ['netns', 'exec', nsOf(node), cmd, ...args], { reject: false, timeout: 20000 });

interface LabAgent {
  readonly node: string;
  readonly dir: string;
  child: ResultPromise;
  output: string;
}

function agentDirs(node: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tierlb-${TAG}-${node}-`));
  for (const d of ['etc-lb', 'run', 'state', 'conf']) mkdirSync(join(dir, d));
  return dir;
}

/** Starts `tierlb agent` inside the node's namespace; its status endpoint is on that namespace's loopback. */
async function startAgent(siteFile: string, node: string, dir: string): Promise<LabAgent> {
  const args = [
    process.execPath, '--import', 'tsx', join(REPO, 'cli', 'main.ts'), 'agent', '--config', siteFile, '--node', node,
    '--disable-file', join(dir, 'etc-lb', 'disable'), '--agent-check-file', join(dir, 'etc-lb', 'agent-check'),
    '--run-dir', join(dir, 'run'), '--state-dir', join(dir, 'state'), '--config-dir', join(dir, 'conf'),
    '--listen', `127.0.0.1:${STATUS_PORT}`,
  ];
  const child = execa('ip', ['netns', 'exec', nsOf(node), ...args], { reject: false, all: true, cwd: REPO, env: { TIERLB_LOG_LEVEL: 'debug' } });
  const agent: LabAgent = { node, dir, child, output: '' };
  child.all?.on('data', (c: Buffer) => { agent.output += c.toString(); });
  await waitFor(`agent ${node} status`, async () => {
    if (child.exitCode !== null) throw new Error(`agent ${node} exited early:\n${agent.output}`);
    return (await status(node)) ?? undefined;
  }, 20000, 200);
  return agent;
}

async function status(node: string): Promise<StatusReport | undefined> {
  const r = await inNs(node, 'curl', ['-sf', '--max-time', '2', `http://127.0.0.1:${STATUS_PORT}/status`]);
  return r.exitCode === 0 ? (JSON.parse(r.stdout) as StatusReport) : undefined;
}

async function metrics(node: string): Promise<string> {
  return (await inNs(node, 'curl', ['-sf', '--max-time', '2', `http://127.0.0.1:${STATUS_PORT}/metrics`])).stdout;
}

const daemonPid = (s: StatusReport | undefined, name: string): number | undefined => s?.daemons.find((d) => d.name === name)?.pid ?? undefined;

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); } catch { return false; }
}

async function stopAgent(agent: LabAgent, signal: 'SIGTERM' | 'SIGKILL'): Promise<number | undefined> {
  agent.child.kill(signal);
  // As long as the other agent tests give a planned stop (test/helpers/agent.ts): BIRD's own grace is 5 s.
  const timer = setTimeout(() => agent.child.kill('SIGKILL'), 30000);
  const r = await agent.child;
  clearTimeout(timer);
  return r.exitCode;
}

const multipath = (text: string): boolean => /nexthop via 10\.0\.0\.21 .*\n\s*nexthop via 10\.0\.0\.22 /.test(text);
const kernelRoute = async (vip: string): Promise<string> => (await inNs('rt-1', 'ip', ['route', 'show', vip])).stdout;

describe('router and reflector agents with real BIRD and gobgpd', () => {
  const namespaces: string[] = [];
  const speakers: ResultPromise[] = [];
  const agents: LabAgent[] = [];
  let siteFile = '';
  let site: Site;
  let router: LabAgent;
  let reflector: LabAgent;
  const node = (name: string): SiteNode => {
    const n = nodeNamed(site, name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  };
  const announce = (l4: string, vip: string) => inNs(l4, 'gobgp', gobgpAnnounceArgs(site, node(l4), vip as IpAddress, { gracefulShutdown: false }) ?? ['--bogus']);
  const birdCommandLine = (dir: string) => {
    // bgpPaths of the agent's --config-dir and --run-dir.
    return birdSpec(node('rt-1'), { configFile: join(dir, 'conf', 'bird.conf'), socket: join(dir, 'run', 'bird.ctl'), pidFile: join(dir, 'run', 'bird.pid') });
  };
  const gobgpdCommandLine = (dir: string) => gobgpdSpec(node('rr-1'), { configFile: join(dir, 'conf', 'gobgpd.toml'), apiHost: '127.0.0.1', apiPort: 50051 });
  const birdProcesses = (dir: string): number => {
    const spec = birdCommandLine(dir);
    let count = 0;
    for (const entry of readdirNumbers()) {
      const argv = (() => { try { return readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0$/, '').split('\0'); } catch { return []; } })();
      // A BIRD the supervisor restarted runs with its restart arguments (-R).
      const same = [spec.args, spec.restartArgs ?? spec.args].some((args) => argv.slice(1).join(' ') === args.join(' '));
      if (argv[0] === spec.command && same && isAlive(entry)) count++;
    }
    return count;
  };

  beforeAll(async () => {
    site = siteOfValue(siteValue());
    siteFile = join(mkdtempSync(join(tmpdir(), `tierlb-${TAG}-site-`)), 'site.yaml');
    writeFileSync(siteFile, stringify(siteValue()));
    const sw = nsOf('sw');
    const ip = (args: string[]) => execa('ip', args, { timeout: 10000 });
    for (const ns of [sw, ...LAB_NODES.map(nsOf)]) {
      await execa('ip', ['netns', 'del', ns], { reject: false });
      await ip(['netns', 'add', ns]);
      namespaces.push(ns);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', sw, 'link', 'set', 'br0', 'up']);
    for (const [i, name] of LAB_NODES.entries()) {
      const n = node(name);
      await ip(['-n', sw, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nsOf(name)]);
      await ip(['-n', sw, 'link', 'set', `v${i}`, 'master', 'br0', 'up']);
      await ip(['-n', nsOf(name), 'link', 'set', 'eth0', 'up']);
      await ip(['-n', nsOf(name), 'address', 'add', `${String(n.addresses.ipv4)}/24`, 'dev', 'eth0']);
      await ip(['-n', nsOf(name), 'address', 'add', `${String(n.addresses.ipv6)}/64`, 'dev', 'eth0', 'nodad']);
    }
    // The L4 nodes' speakers, from their rendered gobgpd.toml, without an agent.
    for (const l4 of ['l4-1', 'l4-2']) {
      const dir = mkdtempSync(join(tmpdir(), `tierlb-${TAG}-${l4}-`));
      for (const f of renderEcmp(site, node(l4)).files) writeFileSync(join(dir, f.name), f.content);
      speakers.push(execa('ip', ['netns', 'exec', nsOf(l4), 'gobgpd', '-f', join(dir, 'gobgpd.toml'), '--api-hosts', '127.0.0.1:50051', '--pprof-disable'], { reject: false, all: true }));
      // The BFD-only BIRD the L4 agent runs beside gobgpd: the router's next hops to this node resolve only while it answers.
      speakers.push(execa('ip', ['netns', 'exec', nsOf(l4), 'bird', '-f', '-c', join(dir, 'bird-bfd.conf'), '-s', join(dir, 'bird-bfd.ctl'), '-P', join(dir, 'bird-bfd.pid')], { reject: false, all: true }));
    }
    reflector = await startAgent(siteFile, 'rr-1', agentDirs('rr-1'));
    agents.push(reflector);
    router = await startAgent(siteFile, 'rt-1', agentDirs('rt-1'));
    agents.push(router);
    for (const l4 of ['l4-1', 'l4-2']) {
      await waitFor(`${l4} speaker API`, async () => ((await inNs(l4, 'gobgp', ['global'])).exitCode === 0 ? true : undefined), 10000, 100);
      expect((await announce(l4, VIP)).exitCode).toBe(0);
    }
  }, 60000);

  afterAll(async () => {
    for (const a of agents) if (a.child.exitCode === null) await stopAgent(a, 'SIGTERM');
    for (const s of speakers) s.kill('SIGTERM');
    await Promise.all(speakers);
    // A daemon a SIGKILLed agent left (a failed test) must not outlive the test.
    for (const a of agents) {
      for (const line of [birdCommandLine(a.dir), gobgpdCommandLine(a.dir)]) {
        const pid = findDaemonPid(line);
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      }
    }
    for (const ns of namespaces.reverse()) await execa('ip', ['netns', 'del', ns], { reject: false });
  }, 60000);

  it('establishes the sessions and installs the VIP as one multipath kernel route, shown by tierlb status', async () => {
    await waitFor('multipath route on the router', async () => (multipath(await kernelRoute(VIP)) ? true : undefined), 20000, 200);
    const { value: s } = await waitFor('router status with both next hops', async () => {
      const st = await status('rt-1');
      const v = st?.services.flatMap((x) => x.vips).find((x) => x.vip === VIP);
      return v?.nextHops?.length === 2 ? st : undefined;
    }, 10000, 200);
    expect(s.sessions).toContainEqual({ peer: 'rr-1', address: '10.0.0.11', family: 'ipv4', state: 'established' });
    const rr = await waitFor('reflector sessions established', async () => {
      const st = await status('rr-1');
      const up = st?.sessions?.filter((x) => x.family === 'ipv4' && x.state === 'established').map((x) => x.peer).sort();
      return up?.join(' ') === 'l4-1 l4-2 rt-1' ? st : undefined;
    }, 10000, 200);
    expect(rr.value.daemons).toEqual([{ name: 'gobgpd', pid: expect.any(Number) as number, restarts: 0 }]);
    const cli = await inNs('rt-1', process.execPath, ['--import', 'tsx', join(REPO, 'cli', 'main.ts'), 'status', '--url', `http://127.0.0.1:${STATUS_PORT}`]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/node rt-1 \(router\) of site example/);
    expect(cli.stdout).toMatch(/rr-1\s+10\.0\.0\.11\s+ipv4\s+established/);
    expect(cli.stdout).toMatch(/198\.51\.100\.1\s+n\/a\s+ECMP over 2 L4 node\(s\)\s+10\.0\.0\.21 10\.0\.0\.22/);
  });

  it('restarts a killed BIRD with -R, and the VIP keeps both next hops in the kernel throughout', async () => {
    const before = daemonPid(await status('rt-1'), 'bird');
    expect(before).toBeDefined();
    const socket = join(router.dir, 'run', 'bird.ctl');
    const recovering = async (): Promise<boolean | undefined> => {
      const r = await execa('birdc', ['-s', socket, 'show', 'status'], { reject: false, timeout: 5000 });
      return r.exitCode === 0 && r.stdout.includes('BIRD') ? r.stdout.includes('Graceful restart recovery in progress') : undefined;
    };
    const killedAt = Date.now();
    process.kill(before as number, 'SIGKILL');
    // Sampled every ~25 ms (plus an ip process) from the kill until a while after the recovery ended, when the new BIRD first writes the kernel table.
    const samples: { at: number; hops: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const text = (await inNs('rt-1', 'ip', ['-j', 'route', 'show', VIP])).stdout;
        const route = (JSON.parse(text.trim() === '' ? '[]' : text) as { nexthops?: unknown[]; gateway?: string }[])[0];
        samples.push({ at: Date.now() - killedAt, hops: route === undefined ? 0 : route.nexthops?.length ?? 1 });
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    try {
      const { value: after } = await waitFor('a new BIRD', async () => {
        const pid = daemonPid(await status('rt-1'), 'bird');
        return pid !== undefined && pid !== before ? pid : undefined;
      }, 10000, 100);
      // Started again in graceful-restart recovery: the command line the supervisor used for the restart.
      expect(readFileSync(`/proc/${after}/cmdline`, 'utf8').split('\0')).toContain('-R');
      await waitFor('the recovery over', async () => ((await recovering()) === false ? true : undefined), 20000, 100);
      const recoveredAt = Date.now() - killedAt;
      await new Promise((r) => setTimeout(r, 1500));
      const { value: s } = await waitFor('the route learned again', async () => {
        const st = await status('rt-1');
        const v = st?.services.flatMap((x) => x.vips).find((x) => x.vip === VIP);
        return v?.nextHops?.length === 2 && daemonPid(st, 'bird') === after ? st : undefined;
      }, 20000, 200);
      expect(s.daemons.find((d) => d.name === 'bird')?.restarts).toBe(1);
      console.log(`BIRD killed: its successor's recovery over ${recoveredAt} ms after the kill; ${samples.length} kernel route samples`);
    } finally {
      sampling = false;
      await sampler;
    }
    const short = samples.filter((x) => x.hops < 2);
    expect(short, `samples with fewer than 2 next hops (ms after the kill): ${short.map((x) => `${x.at}:${x.hops}`).join(' ')}`).toEqual([]);
    expect(samples.length).toBeGreaterThan(20);
    expect(await metrics('rt-1')).toMatch(/tierlb_agent_daemon_restarts_total\{daemon="bird"\} 1/);
  });

  it('applies a site change with birdc configure and SIGHUP, without restarting BIRD or gobgpd', async () => {
    const pid = daemonPid(await status('rt-1'), 'bird');
    const gobgpd = daemonPid(await status('rr-1'), 'gobgpd');
    const conf = join(router.dir, 'conf', 'bird.conf');
    expect(readFileSync(conf, 'utf8')).not.toContain(`${NEW_VIP}/32`);
    // A new VIP (the router's filter changes) and a second router (a new neighbor of the reflector).
    // Not a new L4 node: that changes the add-paths send-max towards every router, and gobgpd resets those sessions.
    const changed = siteValue((v) => { (v.services as Value[])[0]?.vips.push(NEW_VIP); }, ['rt-2']);
    writeFileSync(siteFile, stringify(changed));
    await waitFor('bird.conf with the new VIP', () => (readFileSync(conf, 'utf8').includes(`${NEW_VIP}/32`) ? true : undefined), 10000, 100);
    await waitFor('the reload counted', async () => (/tierlb_agent_daemon_reloads_total\{daemon="bird",result="ok"\} 1/.test(await metrics('rt-1')) ? true : undefined), 10000, 100);
    expect(daemonPid(await status('rt-1'), 'bird')).toBe(pid);
    await waitFor('the reflector reload counted', async () => (/tierlb_agent_daemon_reloads_total\{daemon="gobgpd",result="ok"\} 1/.test(await metrics('rr-1')) ? true : undefined), 15000, 100);
    const rr = await status('rr-1');
    expect(daemonPid(rr, 'gobgpd')).toBe(gobgpd);
    expect(rr?.sessions?.find((x) => x.peer === 'rt-2' && x.family === 'ipv4')?.state).toMatch(/^(idle|connect|active)$/);
    expect(rr?.sessions?.find((x) => x.peer === 'rt-1' && x.family === 'ipv4')?.state).toBe('established');
    // The new filter runs: the new VIP is accepted now.
    site = siteOfValue(changed);
    expect((await announce('l4-1', NEW_VIP)).exitCode).toBe(0);
    await waitFor('the new VIP routed', async () => ((await kernelRoute(NEW_VIP)).includes('10.0.0.21') ? true : undefined), 10000, 200);
    expect(daemonPid(await status('rt-1'), 'bird')).toBe(pid);
  });

  it('moves the router\'s BGP sessions to new timers one at a time, never restarting two at once', async () => {
    const conf = join(router.dir, 'conf', 'bird.conf');
    const holds = (): string[] => [...readFileSync(conf, 'utf8').matchAll(/^ {2}hold time (\d+);$/gm)].map((m) => m[1] ?? '');
    expect(new Set(holds())).toEqual(new Set(['3']));
    const slower = siteValue((v) => { (v.services as Value[])[0]?.vips.push(NEW_VIP); (v.bgp as Value).holdTime = '6s'; (v.bgp as Value).keepalive = '2s'; }, ['rt-2']);
    writeFileSync(siteFile, stringify(slower));
    const first = await waitFor('one session on the new timers', () => (holds().includes('6') ? holds() : undefined), 10000, 50);
    expect(first.value.filter((h) => h === '6')).toHaveLength(1);
    await waitFor('every session on the new timers, each established again', async () => {
      const sessions = (await status('rt-1'))?.sessions ?? [];
      return holds().every((h) => h === '6') && sessions.length > 0 && sessions.every((x) => x.peer !== 'rr-1' || x.state === 'established') ? true : undefined;
    }, 60000, 200);
    expect(router.output).toMatch(/moving the sessions to them one at a time/);
  });

  it('refuses a site file made invalid while running, and keeps bird.conf', async () => {
    const conf = join(router.dir, 'conf', 'bird.conf');
    const before = readFileSync(conf, 'utf8');
    const valid = readFileSync(siteFile, 'utf8');
    writeFileSync(siteFile, valid.replace('asn: 64512', 'asn: -1'));
    try {
      await waitFor('the refusal in the log', () => (router.output.includes('site file refused') ? true : undefined), 10000, 100);
      expect(await metrics('rt-1')).toMatch(/tierlb_agent_config_rejected_total\{stage="validate"\} 1/);
      expect(readFileSync(conf, 'utf8')).toBe(before);
      expect(multipath(await kernelRoute(VIP))).toBe(true);
    } finally {
      writeFileSync(siteFile, valid);
    }
  });

  it('leaves BIRD routing when the agent is killed, and the next agent adopts it', async () => {
    const pid = daemonPid(await status('rt-1'), 'bird') as number;
    await stopAgent(router, 'SIGKILL');
    expect(isAlive(pid)).toBe(true);
    expect(multipath(await kernelRoute(VIP))).toBe(true);
    router = await startAgent(siteFile, 'rt-1', router.dir);
    agents.push(router);
    const s = await status('rt-1');
    expect(s?.daemons).toEqual([{ name: 'bird', pid, restarts: 0 }]);
    expect(router.output).toContain('adopted the bird a previous agent left running');
    expect(birdProcesses(router.dir)).toBe(1);
    await waitFor('sessions on the adopted BIRD', async () => ((await status('rt-1'))?.sessions?.some((x) => x.peer === 'rr-1' && x.state === 'established') ? true : undefined), 10000, 200);
  });

  it('leaves gobgpd reflecting when the reflector agent is killed, and the next agent adopts it', async () => {
    const pid = daemonPid(await status('rr-1'), 'gobgpd') as number;
    await stopAgent(reflector, 'SIGKILL');
    expect(isAlive(pid)).toBe(true);
    reflector = await startAgent(siteFile, 'rr-1', reflector.dir);
    agents.push(reflector);
    expect((await status('rr-1'))?.daemons).toEqual([{ name: 'gobgpd', pid, restarts: 0 }]);
    // The adoption's SIGHUP made gobgpd log: with the agent's pipe gone, that would have killed it (SIGPIPE).
    expect(reflector.output).toContain('adopted the gobgpd a previous agent left running');
    await waitFor('the adopted gobgpd still reflecting', async () => (multipath(await kernelRoute(VIP)) && isAlive(pid) ? true : undefined), 5000, 100);
    expect(readFileSync(join(reflector.dir, 'state', 'logs', 'gobgpd.log'), 'utf8')).toMatch(/Reload the config file/);
  });

  it('stops BIRD and gobgpd on a planned stop, and exits 0', async () => {
    const bird = daemonPid(await status('rt-1'), 'bird') as number;
    const gobgpd = daemonPid(await status('rr-1'), 'gobgpd') as number;
    expect(await stopAgent(router, 'SIGTERM'), router.output.slice(-4000)).toBe(0);
    expect(isAlive(bird)).toBe(false);
    expect(birdProcesses(router.dir)).toBe(0);
    expect(await stopAgent(reflector, 'SIGTERM'), reflector.output.slice(-4000)).toBe(0);
    expect(isAlive(gobgpd)).toBe(false);
  });
});

function readdirNumbers(): number[] {
  return readdirSyncSafe('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
}

function readdirSyncSafe(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}
