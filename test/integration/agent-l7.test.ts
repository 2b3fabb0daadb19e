// An L7 node's agent as a real process with real HAProxy, in a network
// namespace that holds the L7 node's and two backends' addresses on lo, two
// backend HTTP servers and the backends' own agents (role backend) answering
// HAProxy's agent-checks. Clients run inside the namespace (curl); the test
// reaches the agents' status endpoints over a veth pair, and HAProxy's
// runtime API over its UNIX socket, which is a file and needs no route.
import { execa, type ResultPromise } from 'execa';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startAgentProcess, waitFor, writeSiteFile, type AgentProcess } from '../helpers/agent.js';
import { runCli } from '../helpers/cli.js';
import { addLoopbackAddresses, createNetns, linkToHost, type Netns } from '../helpers/netns.js';
import { exampleValue } from '../helpers/site.js';
import { isRunningProcess } from '../../agent/drivers/haproxy/daemon.js';

const L7_ADDRESSES = ['10.0.1.31', 'fd00:1::31'];
const BACKENDS = [{ name: 'srv-1', address: '10.0.2.41' }, { name: 'srv-2', address: '10.0.2.42' }];
const VIP = '198.51.100.1';
const MONITOR = 'http://10.0.1.31:9100/tierlb/health';
const DOWNLOAD_BYTES = 3 * 1024 * 1024;

type SiteValue = Record<string, unknown> & {
  pools: { name: string; servers: Record<string, unknown>[] }[];
  nodes: { name: string; addresses: Record<string, string> }[];
};

function siteValue(): SiteValue {
  const v = exampleValue() as SiteValue;
  v.bgp = { ...(v.bgp as object), drainTime: '1s' };
  for (const pool of v.pools) {
    const port = pool.name === 'web' ? 8080 : 8081;
    pool.servers = BACKENDS.map((b) => ({ name: b.name, address: b.address, port, node: b.name }));
  }
  // IPv4 only: a backend's agent serves agent-check on each of its addresses, and only these are on lo.
  for (const b of BACKENDS) {
    const node = v.nodes.find((n) => n.name === b.name);
    if (node) node.addresses = { ipv4: b.address };
  }
  return v;
}

/**
 * Both backends in one process: `/big` streams DOWNLOAD_BYTES in 64 KiB
 * chunks every 40 ms (about 2.5 s), anything else answers the server's name.
 * The api service's tcp port answers too, so its servers are up.
 */
const BACKEND_SERVER = `
import http from 'node:http';
const [bytes, ...specs] = process.argv.slice(1);
for (const spec of specs) {
  const [name, host] = spec.split(',');
  const handler = (q, r) => {
    if (q.url !== '/big') { r.end(name + '\\n'); return; }
    r.writeHead(200, { 'content-length': bytes });
    let left = Number(bytes);
    const chunk = Buffer.alloc(65536, 120);
    const t = setInterval(() => { const n = Math.min(left, chunk.length); r.write(chunk.subarray(0, n)); left -= n; if (left <= 0) { clearInterval(t); r.end(); } }, 40);
    r.on('close', () => clearInterval(t));
  };
  http.createServer(handler).listen(8080, host);
  http.createServer(handler).listen(8081, host);
}
console.log('ready');`;

/** As an editor or config management writes it: a whole new file renamed over the old one. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.new`, text);
  renameSync(`${path}.new`, path);
}

/** One runtime API command on the L7 node's admin socket. */
function runtime(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = connect(socket);
    s.setTimeout(2000, () => s.destroy(new Error(`no answer to ${line}`)));
    s.on('connect', () => s.end(`${line}\n`));
    s.on('data', (c) => { text += c.toString(); });
    s.on('close', () => resolve(text));
    s.on('error', reject);
  });
}

/** A server's port and agent-check port as the running worker has them (`show servers state`). */
async function serverPorts(socket: string, backend: string, server: string): Promise<{ port?: string; agentPort?: string }> {
  const text = await runtime(socket, `show servers state ${backend}`).catch(() => '');
  const fields = text.split('\n').map((l) => l.split(' ')).find((f) => f[1] === backend && f[3] === server) ?? [];
  return { port: fields[18], agentPort: fields[24] };
}

/** The `status` column of one server in `show stat`. */
async function serverStatus(socket: string, backend: string, server: string): Promise<string | undefined> {
  const text = await runtime(socket, 'show stat -1 4 -1').catch(() => '');
  const header = text.split('\n')[0]?.replace(/^# /, '').split(',') ?? [];
  const row = text.split('\n').map((l) => l.split(',')).find((f) => f[0] === backend && f[1] === server);
  return row?.[header.indexOf('status')];
}

describe('l7 agent with real haproxy', () => {
  let ns: Netns;
  /** The namespace's end of the link from this host: the agents' status endpoints listen there. */
  let nsIp = '';
  let backendServer: ResultPromise | undefined;
  const backends: AgentProcess[] = [];
  let l7: AgentProcess;
  /** The L7 node's folders: the first agent's, kept by the one that replaces it after a crash. */
  let home: string;
  let siteFile: string;
  const wrap = (): string[] => ['ip', 'netns', 'exec', ns.name];
  const adminSocket = () => join(home, 'run', 'haproxy.sock');
  const pidFile = () => join(home, 'run', 'haproxy.pid');
  const curl = async (url: string, extra: string[] = []): Promise<{ code: string; body: string }> => {
    const r = await ns.exec('curl', ['-s', '-m', '10', '-w', '\n%{http_code}', ...extra, url], { reject: false });
    const lines = r.stdout.split('\n');
    return { code: lines.pop() ?? '', body: lines.join('\n') };
  };
  const monitorCode = async (path = ''): Promise<string> => (await curl(`${MONITOR}${path}`)).code;
  const readPid = (): number => Number(readFileSync(pidFile(), 'utf8').trim());
  // A starting or re-executing HAProxy unlinks its pid file and creates it empty before writing the pid: a read in between sees no pid.
  const newMasterPid = (old: number): number | undefined => {
    try { const p = readPid(); return Number.isInteger(p) && p > 1 && p !== old ? p : undefined; } catch { return undefined; }
  };

  beforeAll(async () => {
    ns = await createNetns('t7');
    await addLoopbackAddresses(ns, [...L7_ADDRESSES, ...BACKENDS.map((b) => b.address)]);
    nsIp = (await linkToHost(ns, 't7h')).nsIp;
    const [cmd, args] = ns.spawnArgs(process.execPath, ['--input-type=module', '-e', BACKEND_SERVER, String(DOWNLOAD_BYTES), ...BACKENDS.map((b) => `${b.name},${b.address}`)]);
    backendServer = execa(cmd, args, { reject: false, all: true });
    siteFile = writeSiteFile(siteValue());
    backends.push(...(await Promise.all(BACKENDS.map((b) => startAgentProcess(siteFile, b.name, { wrap: wrap(), statusHost: nsIp })))));
    l7 = await startAgentProcess(siteFile, 'l7-1', { wrap: wrap(), statusHost: nsIp });
    home = l7.dir;
    // Both backends up in HAProxy: their health checks (rise 2) have passed.
    await waitFor('both web servers UP', async () => {
      const s = await Promise.all(BACKENDS.map((b) => serverStatus(adminSocket(), 'be_web', b.name)));
      return s.every((x) => x === 'UP') ? true : undefined;
    }, 15000, 100);
  }, 60000);

  afterAll(async () => {
    await l7?.stop().catch(() => undefined);
    await Promise.all(backends.map((b) => b.stop().catch(() => undefined)));
    backendServer?.kill('SIGKILL');
    await backendServer?.catch(() => undefined);
    // An HAProxy the agent left behind (a failed stop) must not outlive the test.
    const pid = home ? Number(readFileSync(pidFile(), 'utf8').trim() || 0) : 0;
    if (pid > 1) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
    await ns?.remove();
  }, 60000);

  it('serves the VIP through haproxy to the backends', async () => {
    const answers = new Set<string>();
    for (let i = 0; i < 4; i++) answers.add((await curl(`http://${VIP}/`)).body.trim());
    expect([...answers].sort()).toEqual(['srv-1', 'srv-2']);
    expect(await monitorCode()).toBe('200');
  });

  it('shows a backend in DRAIN within 1 s of drain written to its agent-check file', async () => {
    const start = Date.now();
    const srv1 = backends[0];
    if (!srv1) throw new Error('expected the srv-1 agent');
    writeFileSync(join(srv1.dir, 'etc-lb', 'agent-check'), 'drain # test\n');
    const { tookMs } = await waitFor('srv-1 DRAIN', async () => (/^DRAIN/.test((await serverStatus(adminSocket(), 'be_web', 'srv-1')) ?? '') ? true : undefined), 3000, 10);
    console.log(`backend drain visible in haproxy after ${Date.now() - start} ms (poll ${tookMs} ms)`);
    expect(Date.now() - start).toBeLessThanOrEqual(1000);
  });

  it('fails the monitor URIs within 1 s of down written to the L7 node\'s own agent-check file', async () => {
    const start = Date.now();
    writeFileSync(join(home, 'etc-lb', 'agent-check'), 'down # test\n');
    await waitFor('monitor 503', async () => ((await monitorCode()) === '503' ? true : undefined), 3000, 10);
    const health = Date.now() - start;
    await waitFor('_all 503', async () => ((await monitorCode('/_all')) === '503' ? true : undefined), 3000, 10);
    const all = Date.now() - start;
    console.log(`L7 down: /tierlb/health failing after ${health} ms, /tierlb/health/_all after ${all} ms`);
    expect(all).toBeLessThanOrEqual(1000);
    // And back: up again brings the monitor back as fast.
    const back = Date.now();
    writeFileSync(join(home, 'etc-lb', 'agent-check'), 'up\n');
    await waitFor('monitor 200', async () => ((await monitorCode()) === '200' ? true : undefined), 3000, 10);
    console.log(`L7 up again: /tierlb/health passing after ${Date.now() - back} ms`);
    expect((await curl(`${MONITOR}/_all`)).body).toMatch(/^web=1 api=\d $/);
  });

  it('reloads haproxy on a site change without breaking a download in flight', async () => {
    const masterBefore = readPid();
    const download = ns.exec('curl', ['-s', '-o', '/dev/null', '-m', '30', '-w', '%{http_code} %{size_download}', `http://${VIP}/big`], { reject: false });
    await new Promise((r) => setTimeout(r, 500));
    const v = siteValue();
    const srv2 = v.pools.find((p) => p.name === 'web')?.servers[1];
    if (!srv2) throw new Error('expected srv-2 in the web pool');
    srv2.weight = 50;
    replaceFile(siteFile, stringify(v));
    await waitFor('the reload in the log', () => (/haproxy reloaded/.test(l7.output()) ? true : undefined), 10000, 50)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${l7.output().split('\n').filter((l) => /reload|haproxy|turn|site/.test(l)).slice(-15).join('\n')}`); });
    const r = await download;
    expect(r.stdout).toBe(`200 ${DOWNLOAD_BYTES}`);
    expect(readPid()).toBe(masterBefore);
    expect(readFileSync(join(home, 'conf', 'haproxy.cfg'), 'utf8')).toMatch(/server srv-2 10\.0\.2\.42:8080 .* weight 50 /);
    const metrics = await (await fetch(`${l7.statusUrl}/metrics`)).text();
    expect(metrics).toMatch(/tierlb_agent_daemon_reloads_total\{daemon="haproxy",result="reloaded"\} 1/);
    // Drain survived the reload: the state file carried it to the new worker.
    expect(await serverStatus(adminSocket(), 'be_web', 'srv-1')).toMatch(/^DRAIN/);
  });

  it('moves the servers to a new backend port and a new agent-check port at the reload, and back (the state file must not bring the old ones back)', async () => {
    const before = readFileSync(siteFile, 'utf8');
    const moved = parse(before) as SiteValue & { agent?: Record<string, unknown> };
    for (const s of moved.pools.find((p) => p.name === 'web')?.servers ?? []) s.port = 8081;
    moved.agent = { ...moved.agent, agentCheckPort: 9301 };
    const reloads = (l7.output().match(/haproxy reloaded/g) ?? []).length;
    replaceFile(siteFile, stringify(moved));
    await waitFor('the reload in the log', () => ((l7.output().match(/haproxy reloaded/g) ?? []).length > reloads ? true : undefined), 10000, 50);
    // srv_port and srv_agent_port: columns 19 and 25 of `show servers state`.
    expect(await serverPorts(adminSocket(), 'be_web', 'srv-1')).toEqual({ port: '8081', agentPort: '9301' });
    expect(await serverPorts(adminSocket(), 'enabler', 'l7-1')).toEqual({ port: '9301', agentPort: '9301' });
    await waitFor('srv-2 up on the new ports', async () => ((await serverStatus(adminSocket(), 'be_web', 'srv-2')) === 'UP' ? true : undefined), 5000, 50);
    expect((await curl(`http://${VIP}/`)).code).toBe('200');
    replaceFile(siteFile, before);
    await waitFor('the reload back', () => ((l7.output().match(/haproxy reloaded/g) ?? []).length > reloads + 1 ? true : undefined), 10000, 50);
    expect(await serverPorts(adminSocket(), 'be_web', 'srv-1')).toEqual({ port: '8080', agentPort: '9300' });
    // The drain srv-1's agent says survived both reloads.
    expect(await serverStatus(adminSocket(), 'be_web', 'srv-1')).toMatch(/^DRAIN/);
  });

  it('gets haproxy restarted after SIGKILL, with the enabler still down', async () => {
    writeFileSync(join(home, 'etc-lb', 'agent-check'), 'down # before the kill\n');
    await waitFor('monitor 503', async () => ((await monitorCode()) === '503' ? true : undefined), 3000, 10);
    const old = readPid();
    process.kill(old, 'SIGKILL');
    const { value: fresh } = await waitFor('a new master', () => newMasterPid(old), 10000, 20);
    // Serving again, and never usable meanwhile by the L4 nodes' reading: the monitor fails.
    const seen: string[] = [];
    await waitFor('the VIP served again', async () => { seen.push(await monitorCode()); return (await curl(`http://${VIP}/`)).code === '200' ? true : undefined; }, 10000, 20);
    for (let i = 0; i < 10; i++) { seen.push(await monitorCode()); await new Promise((r) => setTimeout(r, 100)); }
    console.log(`after the restart (master ${old} -> ${fresh}) the monitor answered ${[...new Set(seen)].join(',')}`);
    expect(seen.filter((c) => c === '200')).toEqual([]);
    expect(seen.at(-1)).toBe('503');
    await waitFor('the agent noticed the restart', () => (/haproxy was restarted/.test(l7.output()) ? true : undefined), 5000, 50);
    writeFileSync(join(home, 'etc-lb', 'agent-check'), 'up\n');
    await waitFor('monitor 200', async () => ((await monitorCode()) === '200' ? true : undefined), 3000, 10);
  });

  it('refuses a site file made invalid while running, keeps haproxy.cfg and keeps serving', async () => {
    const cfg = join(home, 'conf', 'haproxy.cfg');
    const before = readFileSync(cfg, 'utf8');
    const text = readFileSync(siteFile, 'utf8');
    replaceFile(siteFile, text.replace('port: 8080', 'port: 80800'));
    await waitFor('the refusal in the log', () => (/site file refused/.test(l7.output()) ? true : undefined), 5000, 50);
    expect(readFileSync(cfg, 'utf8')).toBe(before);
    expect((await curl(`http://${VIP}/`)).code).toBe('200');
    replaceFile(siteFile, text);
  });

  it('prints the backend servers with their haproxy state in tierlb status', async () => {
    const { value } = await waitFor('status with DRAIN', async () => {
      const r = await runCli(['status', '--url', l7.statusUrl]);
      return /srv-1\s+10\.0\.2\.41:8080\s+DRAIN/.test(r.stdout) ? r : undefined;
    }, 5000, 200);
    console.log(value.stdout);
    expect(value.exitCode).toBe(0);
    expect(value.stdout).toMatch(/node l7-1 \(l7\) of site example/);
    expect(value.stdout).toMatch(/agent-check: up \(file\); haproxy enabler/);
    expect(value.stdout).toMatch(/service web/);
    expect(value.stdout).toMatch(/srv-2\s+10\.0\.2\.42:8080\s+UP\s+50\s+50/);
  });

  it('keeps serving through a crash of the agent (SIGKILL); the next agent adopts haproxy without breaking a download', async () => {
    const master = readPid();
    const download = ns.exec('curl', ['-s', '-o', '/dev/null', '-m', '30', '-w', '%{http_code} %{size_download}', `http://${VIP}/big`], { reject: false });
    await new Promise((r) => setTimeout(r, 300));
    l7.child.kill('SIGKILL');
    await l7.child;
    expect((await curl(`http://${VIP}/`)).code).toBe('200');
    expect(await isRunningProcess(master, 'haproxy')).toBe(true);
    const folders = ['--run-dir', join(home, 'run'), '--state-dir', join(home, 'state'), '--config-dir', join(home, 'conf'),
      '--agent-check-file', join(home, 'etc-lb', 'agent-check'), '--disable-file', join(home, 'etc-lb', 'disable')];
    l7 = await startAgentProcess(siteFile, 'l7-1', { wrap: wrap(), statusHost: nsIp, extra: folders });
    expect(l7.output()).toMatch(/adopting the running haproxy master/);
    expect((await download).stdout).toBe(`200 ${DOWNLOAD_BYTES}`);
    const { value: fresh } = await waitFor('the new master in the pid file', () => newMasterPid(master), 5000, 50);
    await waitFor('the adopted master gone once its download ended', async () => ((await isRunningProcess(master, 'haproxy')) ? undefined : true), 10000, 50);
    expect(await isRunningProcess(fresh, 'haproxy'), `master ${fresh} gone; the agent said:\n${l7.output().slice(-3000)}`).toBe(true);
    expect((await curl(`http://${VIP}/`)).code).toBe('200');
    // The drain set on the old master (by srv-1's agent-check) came over in the state file.
    expect(await serverStatus(adminSocket(), 'be_web', 'srv-1')).toMatch(/^DRAIN/);
    expect(await monitorCode()).toBe('200');
  });

  it('stops on SIGTERM: enabler down first, then haproxy soft-stopped', async () => {
    const { value: pid } = await waitFor('the master in the pid file', () => newMasterPid(0), 5000, 20);
    const runningBefore = l7.child.exitCode;
    await l7.stop();
    const said = `agent exit code before the stop: ${String(runningBefore)}; its last output:\n${l7.output().slice(-3000)}`;
    expect(l7.child.exitCode, said).toBe(0);
    expect(l7.output()).toMatch(/planned stop: enabler down/);
    expect(await isRunningProcess(pid, 'haproxy'), said).toBe(false);
  }, 30000);
});
