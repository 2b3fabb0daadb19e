// A DNS node's agent, as a real process in a network namespace of its own,
// with a real gdnsd: the namespace holds dns-1's addresses and every VIP on
// its loopback, and small servers on the VIP ports stand in for the path
// through the load balancer. The agent checks the VIPs end to end, and gdnsd
// answers with those that are up.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, writeSiteFile } from '../helpers/agent.js';
import { addLoopbackAddresses, createNetns, type Netns } from '../helpers/netns.js';
import { exampleValue, REPO } from '../helpers/site.js';
import { STATE_CHECK_MS } from '../../agent/roles/dns.js';

const DNS = '10.0.3.53';
const INTERVAL_MS = 300;
const FALL = 2;
const RISE = 2;
const GDNSD_SETTLE_MS = 2200;
const WEB_V4 = ['198.51.100.1', '198.51.100.2'];
const ALL_VIPS = ['198.51.100.1', '198.51.100.2', '2001:db8::198.51.100.1', '2001:db8::198.51.100.2', '198.51.100.3', '198.51.100.4', '2001:db8::198.51.100.3', '2001:db8::198.51.100.4'];
const STATUS_PORT = 19900 + (process.pid % 90);

type Raw = {
  services: { name: string; vips: string[]; l7: { check: Record<string, unknown> } }[];
  dns: { zones: { ttl?: number; records: Record<string, unknown>[] }[] };
};

function siteValue(edit: (v: Raw) => void = () => undefined): unknown {
  const v = exampleValue() as unknown as Raw;
  for (const s of v.services) s.l7.check = { ...s.l7.check, interval: `${INTERVAL_MS}ms`, timeout: '200ms', rise: RISE, fall: FALL };
  edit(v);
  return v;
}

/**
 * The stand-in for the load balancer: one process listening on every VIP:port
 * (HTTP 200 on any path), told on stdin which VIP to stop or start.
 */
const VIP_SERVERS = String.raw`
const http = require('node:http');
const targets = JSON.parse(process.argv[1]);
const servers = new Map();
function start(vip) {
  return Promise.all(targets.filter((t) => t.vip === vip).map((t) => new Promise((ok, fail) => {
    const s = http.createServer((req, res) => { res.writeHead(200); res.end('ok\n'); });
    s.on('error', fail);
    s.listen(t.port, t.vip, () => { servers.set(t.vip + ' ' + t.port, s); ok(); });
  })));
}
function stop(vip) {
  return Promise.all([...servers].filter(([k]) => k.startsWith(vip + ' ')).map(([k, s]) => new Promise((ok) => {
    servers.delete(k); s.closeAllConnections(); s.close(() => ok());
  })));
}
Promise.all([...new Set(targets.map((t) => t.vip))].map(start)).then(() => console.log('ready'));
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [verb, vip] = line.split(' ');
  (verb === 'stop' ? stop(vip) : start(vip)).then(() => console.log(verb + ' ' + vip + ' done'), (e) => console.log('error ' + e.message));
});
`;

/**
 * Site edits go in by rename, as editors and config management do: the
 * runtime's watcher reads a file truncated in place while it is still empty
 * (refused), and chokidar's throttle can swallow the write that follows.
 */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.new`, text);
  renameSync(`${path}.new`, path);
}

describe('dns agent', () => {
  let ns: Netns;
  let dir: string;
  let siteFile: string;
  let agent: ResultPromise | undefined;
  let agentLog = '';
  let servers: ResultPromise;
  let serverLog = '';
  const statusUrl = `http://127.0.0.1:${STATUS_PORT}`;
  const confDir = (): string => join(dir, 'conf', 'gdnsd');

  const inNs = (cmd: string, args: readonly string[]) => execa('ip', ['netns', 'exec', ns.name, cmd, ...args], { reject: false, timeout: 20000 });
  const dig = async (name: string, type: 'A' | 'AAAA'): Promise<string> => {
    const r = await inNs('dig', ['+short', '+time=1', '+tries=1', `@${DNS}`, name, type]);
    return r.exitCode === 0 ? String(r.stdout).split('\n').filter((l) => l !== '').sort().join(' ') : `dig failed: ${String(r.stdout)}`;
  };
  const status = async (): Promise<{ daemons: { name: string; pid: number | null; restarts: number }[] } | undefined> => {
    const r = await inNs('curl', ['-sf', '--max-time', '2', `${statusUrl}/status`]);
    return r.exitCode === 0 ? JSON.parse(String(r.stdout)) : undefined;
  };
  const gdnsdPid = async (): Promise<number | undefined> => (await status())?.daemons.find((d) => d.name === 'gdnsd')?.pid ?? undefined;
  const tellServers = async (line: string): Promise<void> => {
    const before = serverLog.length;
    servers.stdin?.write(`${line}\n`);
    await waitFor(`the VIP servers to ${line}`, () => (serverLog.slice(before).includes(`${line} done`) ? true : undefined), 5000);
  };
  const answersBecome = (name: string, type: 'A' | 'AAAA', expected: string, ms = 10000) =>
    waitFor(`${name} ${type} to answer "${expected}"`, async () => ((await dig(name, type)) === expected ? true : undefined), ms, 50);

  /**
   * Asks gdnsd for `name` back to back from inside the namespace (one shell
   * loop, so a query costs a dig, not a namespace entry) until stopped; each
   * answer set, or MISS, on a line.
   */
  const askContinuously = (name: string) => {
    const stopFile = join(dir, `stop-asking-${Date.now()}`);
    const script = `for i in $(seq 3000); do [ -e ${stopFile} ] && break; a=$(dig +short +time=1 +tries=1 @${DNS} ${name} A | sort | tr '\\n' ' '); echo "\${a:-MISS}"; done`;
    const loop = execa('ip', ['netns', 'exec', ns.name, 'bash', '-c', script], { reject: false, timeout: 60000 });
    return async (): Promise<string[]> => {
      writeFileSync(stopFile, '');
      return String((await loop).stdout).split('\n').filter((l) => l !== '').map((l) => l.trim());
    };
  };

  /**
   * startAgentProcess asks for the status from the test's namespace; this
   * agent's 127.0.0.1 is the namespace's, so it is started here instead.
   */
  const launchAgent = async (): Promise<void> => {
    agent = execa('ip', [
      'netns', 'exec', ns.name, process.execPath, '--import', 'tsx', join(REPO, 'cli', 'main.ts'), 'agent', '--config', siteFile, '--node', 'dns-1',
      '--disable-file', join(dir, 'etc-lb', 'disable'), '--agent-check-file', join(dir, 'etc-lb', 'agent-check'),
      '--run-dir', join(dir, 'run'), '--state-dir', join(dir, 'state'), '--config-dir', join(dir, 'conf'), '--listen', `127.0.0.1:${STATUS_PORT}`,
    ], { reject: false, all: true, cwd: REPO, env: { TIERLB_LOG_LEVEL: 'debug' } });
    const child = agent;
    child.all?.on('data', (c: Buffer) => { agentLog += c.toString(); });
    await waitFor('the agent status', async () => {
      if (child.exitCode !== null) throw new Error(`agent exited early:\n${agentLog}`);
      return status();
    }, 20000, 100);
  };

  beforeAll(async () => {
    ns = await createNetns('td');
    await addLoopbackAddresses(ns, [DNS, 'fd00:3::53', ...ALL_VIPS]);
    const targets = [...WEB_V4, '2001:db8::198.51.100.1', '2001:db8::198.51.100.2'].map((vip) => ({ vip, port: 80 }))
      .concat(['198.51.100.3', '198.51.100.4', '2001:db8::198.51.100.3', '2001:db8::198.51.100.4'].flatMap((vip) => [{ vip, port: 80 }, { vip, port: 8443 }]));
    servers = execa('ip', ['netns', 'exec', ns.name, process.execPath, '-e', VIP_SERVERS, JSON.stringify(targets)], { reject: false, all: true, stdin: 'pipe' });
    servers.all?.on('data', (c: Buffer) => { serverLog += c.toString(); });
    await waitFor('the VIP servers', () => (serverLog.includes('ready') ? true : undefined), 10000);

    dir = mkdtempSync(join(tmpdir(), 'tierlb-agent-dns-'));
    for (const d of ['etc-lb', 'run', 'state', 'conf']) mkdirSync(join(dir, d));
    siteFile = writeSiteFile(siteValue());
    await launchAgent();
  }, 40000);

  afterAll(async () => {
    if (dir) writeFileSync(join(dir, 'agent.log'), agentLog);
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await Promise.race([agent, new Promise((r) => setTimeout(r, 10000))]);
    }
    servers?.kill('SIGTERM');
    if (ns) {
      // gdnsd outlives a killed agent by design: stop whatever still runs in this test's namespace.
      const pids = await execa('ip', ['netns', 'pids', ns.name], { reject: false });
      for (const pid of String(pids.stdout).split('\n').filter((p) => /^\d+$/.test(p))) {
        try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ }
      }
      await ns.remove();
    }
  }, 30000);

  it('answers with every VIP that is up, per family, and the first one for a first-up name', async () => {
    await answersBecome('www.example.org', 'A', WEB_V4.join(' '));
    expect(await dig('www.example.org', 'AAAA')).toBe('2001:db8::c633:6401 2001:db8::c633:6402');
    expect(await dig('api.example.org', 'A')).toBe('198.51.100.3');
  });

  it(`drops a VIP whose server stopped within fall × interval (${FALL} × ${INTERVAL_MS} ms) plus gdnsd's ${GDNSD_SETTLE_MS} ms, a first-up name moves to the next VIP, and both come back`, async () => {
    await tellServers('stop 198.51.100.1');
    await tellServers('stop 198.51.100.3');
    const out = await answersBecome('www.example.org', 'A', '198.51.100.2');
    // first-up: the next VIP in list order takes over.
    expect(await dig('api.example.org', 'A')).toBe('198.51.100.4');
    await tellServers('start 198.51.100.1');
    await tellServers('start 198.51.100.3');
    const back = await answersBecome('www.example.org', 'A', WEB_V4.join(' '));
    await answersBecome('api.example.org', 'A', '198.51.100.3', 2000);
    console.log(`198.51.100.1 left the answers after ${out.tookMs} ms and came back after ${back.tookMs} ms (fall ${FALL}, rise ${RISE}, interval ${INTERVAL_MS} ms)`);
    // fall × interval for the checks; gdnsd's extfile (direct mode) applies a
    // changed file about 2 s after it changed (gdnsd 3.8.1, measured 2.05 to
    // 2.2 s, renamed or written in place); 1 s of slack.
    expect(out.tookMs).toBeLessThan(FALL * INTERVAL_MS + GDNSD_SETTLE_MS + 1000);
    expect(back.tookMs).toBeLessThan(RISE * INTERVAL_MS + GDNSD_SETTLE_MS + 1000);
  });

  it(`writes gdnsd's state file again when a hand edit changed it, within its ${STATE_CHECK_MS / 1000} s drift check, and counts it`, async () => {
    await answersBecome('www.example.org', 'A', WEB_V4.join(' '));
    const file = join(dir, 'state', 'gdnsd', 'vips.state');
    const held = readFileSync(file, 'utf8');
    const edited = held.replace(/^198\.51\.100\.1 => UP/m, '198.51.100.1 => DOWN');
    expect(edited, held).not.toBe(held);
    const t = Date.now();
    replaceFile(file, edited);
    await waitFor('the state file written again', () => (readFileSync(file, 'utf8') === held ? true : undefined), STATE_CHECK_MS + 3000, 50);
    const tookMs = Date.now() - t;
    console.log(`state file edited by hand: written again after ${tookMs} ms (check every ${STATE_CHECK_MS} ms)`);
    await answersBecome('www.example.org', 'A', WEB_V4.join(' '));
    expect(agentLog).toContain('gdnsd state file drift repaired');
    const metrics = String((await inNs('curl', ['-sf', '--max-time', '2', `${statusUrl}/metrics`])).stdout);
    expect(metrics).toMatch(/^tierlb_agent_drift_repairs_total\{kind="state-file"\} 1$/m);
    const notes = ((await status()) as { notes?: string[] } | undefined)?.notes ?? [];
    expect(notes).toContain(`gdnsd state file drift check every ${STATE_CHECK_MS / 1000} s: 1 repairs`);
  });

  it('applies a zone change with reload-zones, without restarting gdnsd', async () => {
    const pid = await gdnsdPid();
    expect(pid).toBeDefined();
    replaceFile(siteFile, readFileSync(writeSiteFile(siteValue((v) => {
      v.dns.zones[0]?.records.push({ name: 'shop', type: 'A', address: '192.0.2.10' });
    })), 'utf8'));
    await answersBecome('shop.example.org', 'A', '192.0.2.10');
    expect(await gdnsdPid()).toBe(pid);
    await waitFor('the reload in the log', () => (agentLog.includes('gdnsd reload-zones done') ? true : undefined), 5000);
  });

  it('refuses an invalid site file and changes nothing', async () => {
    const good = readFileSync(siteFile, 'utf8');
    const zone = readFileSync(join(confDir(), 'zones', 'example.org'), 'utf8');
    const pid = await gdnsdPid();
    replaceFile(siteFile, good.replace('asn: 64512', 'asn: -1').replace('192.0.2.10', '192.0.2.11'));
    await waitFor('the refusal in the log', () => (agentLog.includes('site file refused') ? true : undefined), 5000);
    expect(readFileSync(join(confDir(), 'zones', 'example.org'), 'utf8')).toBe(zone);
    expect(await dig('shop.example.org', 'A')).toBe('192.0.2.10');
    expect(await gdnsdPid()).toBe(pid);
    replaceFile(siteFile, good);
  });

  it('replaces gdnsd for a config change without missing a query', async () => {
    const pid = await gdnsdPid();
    const stopAsking = askContinuously('api.example.org');
    // The loop is asking before the change lands.
    await new Promise((r) => setTimeout(r, 500));
    replaceFile(siteFile, readFileSync(writeSiteFile(siteValue((v) => {
      v.dns.zones[0]?.records.push({ name: 'shop', type: 'A', address: '192.0.2.10' });
      const web = v.services.find((s) => s.name === 'web');
      if (web) web.vips = web.vips.filter((a) => a !== '198.51.100.2');
    })), 'utf8'));
    let answers: string[] = [];
    try {
      await answersBecome('www.example.org', 'A', '198.51.100.1', 20000);
      await waitFor('a new gdnsd pid', async () => {
        const now = await gdnsdPid();
        return now !== undefined && now !== pid ? now : undefined;
      }, 20000, 100);
      await waitFor('the replace in the log', () => (agentLog.includes('gdnsd replace done') ? true : undefined), 20000);
    } finally {
      answers = await stopAsking();
    }
    const missed = answers.filter((a) => a !== '198.51.100.3');
    console.log(`gdnsd replaced (pid ${String(pid)} → ${String(await gdnsdPid())}); ${answers.length} queries during the change, ${missed.length} not answered 198.51.100.3`);
    expect(answers.length).toBeGreaterThan(5);
    expect(missed).toEqual([]);
    const metrics = await inNs('curl', ['-sf', '--max-time', '2', `${statusUrl}/metrics`]);
    // One zone reload before, this replace now.
    expect(String(metrics.stdout)).toMatch(/tierlb_agent_daemon_reloads_total\{daemon="gdnsd",result="ok"\} 2/);
  });

  it('restarts a killed gdnsd, which answers with the current VIP states', async () => {
    await tellServers('stop 2001:db8::198.51.100.2');
    await answersBecome('www.example.org', 'AAAA', '2001:db8::c633:6401');
    const pid = await gdnsdPid();
    if (pid === undefined) throw new Error('no gdnsd pid in the status');
    process.kill(pid, 'SIGKILL');
    const { value: first, tookMs } = await waitFor('gdnsd answering again', async () => {
      const a = await dig('www.example.org', 'AAAA');
      return a.startsWith('dig failed') || a === '' ? undefined : a;
    }, 15000, 50);
    console.log(`gdnsd answered ${tookMs} ms after SIGKILL`);
    expect(first).toBe('2001:db8::c633:6401');
    expect(await gdnsdPid()).not.toBe(pid);
    await tellServers('start 2001:db8::198.51.100.2');
  });

  it('keeps answering when the agent dies, and a new agent takes gdnsd over without a missed query or a down VIP coming back', async () => {
    await tellServers('stop 198.51.100.3');
    await answersBecome('api.example.org', 'A', '198.51.100.4');
    const pid = await gdnsdPid();
    agent?.kill('SIGKILL');
    await agent;
    expect(await dig('api.example.org', 'A')).toBe('198.51.100.4');
    const stopAsking = askContinuously('api.example.org');
    let answers: string[] = [];
    try {
      await launchAgent();
      await waitFor('the new agent to run its own gdnsd', async () => {
        const now = await gdnsdPid();
        return now !== undefined && now !== pid ? now : undefined;
      }, 20000, 100);
      // Long enough for gdnsd to have applied any state file the new agent wrote.
      await new Promise((r) => setTimeout(r, GDNSD_SETTLE_MS + 500));
    } finally {
      answers = await stopAsking();
    }
    console.log(`agent restarted: gdnsd ${String(pid)} taken over by ${String(await gdnsdPid())}; ${answers.length} queries, answers seen: ${[...new Set(answers)].join(' | ')}`);
    expect(answers.length).toBeGreaterThan(10);
    expect([...new Set(answers)]).toEqual(['198.51.100.4']);
    await tellServers('start 198.51.100.3');
    await answersBecome('api.example.org', 'A', '198.51.100.3');
  });

  it('prints the VIPs and whether they are answered in tierlb status', async () => {
    const r = await inNs(process.execPath, ['--import', 'tsx', join(REPO, 'cli', 'main.ts'), 'status', '--url', statusUrl]);
    console.log(String(r.stdout));
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).toMatch(/node dns-1 \(dns\) of site example/);
    expect(String(r.stdout)).toMatch(/daemon gdnsd: pid \d+/);
    expect(String(r.stdout)).toMatch(/service web\n\s+VIP\s+ANNOUNCE\s+WHY\n\s+198\.51\.100\.1\s+yes\s+UP: /);
    expect(String(r.stdout)).toMatch(/198\.51\.100\.4\s+no\s+UP: checks pass \(standby/);
    const metrics = await inNs('curl', ['-sf', '--max-time', '2', `${statusUrl}/metrics`]);
    expect(String(metrics.stdout)).toMatch(/tierlb_dns_vip_up\{service="web",vip="198\.51\.100\.1"\} 1/);
  });

  it('stops gdnsd on a planned stop', async () => {
    agent?.kill('SIGTERM');
    await agent;
    expect(agent?.exitCode).toBe(0);
    expect(await dig('www.example.org', 'A')).toMatch(/^dig failed/);
  });
});
