// haproxy.cfg of every L7 node through `haproxy -c`, and one node's config
// run for real in a network namespace to prove the monitor contract the L4
// nodes rely on. `haproxy -c` parses and resolves but does not bind, so the
// VIPs need not be local for the check; the live run puts them on the
// namespace's lo, as the node's kernel operations do.
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodesWithRole, type Site } from '../../site/index.js';
import { renderL7 } from '../../tiers/l7/index.js';
import { runChecker, writeTree } from '../helpers/checker.js';
import { changedSite } from '../../tiers/l7/test-site.js';
import { loadSite, REPO } from '../helpers/site.js';

/** The example with its agent folders in `dir`, so the state file can exist. */
function siteIn(dir: string): Site {
  return changedSite((v) => { v.agent = { runDir: dir, stateDir: dir }; });
}

const cfgOf = (site: Site, name: string): string => {
  const node = nodesWithRole(site, 'l7').find((n) => n.name === name);
  if (!node) throw new Error(`no l7 node ${name}`);
  return renderL7(site, node).files[0]?.content ?? '';
};

const checkCfg = (content: string) => runChecker('haproxy', ['-c', '-f', join(writeTree({ 'haproxy.cfg': content }), 'haproxy.cfg')]);

describe('haproxy -c', () => {
  const example = loadSite();
  for (const node of nodesWithRole(example, 'l7')) {
    it(`accepts the haproxy.cfg of ${node.name}`, async () => {
      const r = await checkCfg(cfgOf(example, node.name));
      expect(r.output).not.toContain('[ALERT]');
      expect(r.ok, r.output).toBe(true);
    });

    it(`finds nothing to warn about in the haproxy.cfg of ${node.name} once its state file exists`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tierlb-l7-state-'));
      writeFileSync(join(dir, 'haproxy.state'), '1\n');
      const r = await checkCfg(cfgOf(siteIn(dir), node.name));
      expect(r.output).not.toContain('[WARNING]');
      expect(r.ok, r.output).toBe(true);
    });
  }

  it('accepts the haproxy.cfg of an L7 node that serves no service (its _all answer is an empty body)', async () => {
    // Found by the property test: `lf-string ""` is refused ("'lf-string' expects <fmt> as argument").
    const site = changedSite((v) => {
      for (const s of v.services) {
        s.l7.nodes = ['l7-1'];
        s.l4.quorum = 1;
      }
    });
    const cfg = cfgOf(site, 'l7-2');
    expect(cfg).toMatch(/^ {4}http-request return status 200 if \{ path \/tierlb\/health\/_all \}$/m);
    const r = await checkCfg(cfg);
    expect(r.ok, r.output).toBe(true);
  });

  describe('with TLS, PROXY protocol v2 and slow start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-l7-tls-'));
    const cert = join(dir, 'www.pem');
    const featured = (certificates: string[]): Site => changedSite((v) => {
      v.services[0].l7.tls = { certificates, alpn: ['h2', 'http/1.1'] };
      v.services[0].l7.slowStart = '30s';
      v.services[1].l7.proxyProtocol = 'v2';
      v.services[1].l7.slowStart = '1m';
    });

    beforeAll(async () => {
      const key = join(dir, 'www.key');
      await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=www.example.org', '-keyout', key, '-out', join(dir, 'www.crt')]);
      writeFileSync(cert, readFileSync(join(dir, 'www.crt'), 'utf8') + readFileSync(key, 'utf8'));
    });

    it('accepts the config when the certificate is there', async () => {
      const r = await checkCfg(cfgOf(featured([cert]), 'l7-1'));
      expect(r.output).not.toContain('[ALERT]');
      expect(r.ok, r.output).toBe(true);
    });

    it('refuses the config when a certificate is missing, so a reload never loses the listener', async () => {
      const r = await checkCfg(cfgOf(featured([cert, join(dir, 'absent.pem')]), 'l7-1'));
      expect(r.ok).toBe(false);
      expect(r.output).toContain('absent.pem');
    });
  });

  it('rejects a config with an unknown keyword', async () => {
    const broken = cfgOf(example, 'l7-1').replace('balance roundrobin', 'balancee roundrobin');
    const r = await checkCfg(broken);
    expect(r.ok).toBe(false);
    expect(r.output).toContain("unknown keyword 'balancee'");
  });
});

// A stand-in for the agents: answers each agent-check with the current
// content of a file, one listener per `address,port,file` argument.
const FAKE_AGENT = `
import net from 'node:net'; import fs from 'node:fs';
for (const spec of process.argv.slice(1)) {
  const [host, port, file] = spec.split(',');
  net.createServer((s) => { s.on('error', () => {}); s.end(fs.readFileSync(file, 'utf8')); }).listen(Number(port), host);
}`;
const FAKE_BACKEND = `
import http from 'node:http';
http.createServer((q, r) => r.end('served by ' + process.argv[1])).listen(8080, process.argv[1]);`;

const NS = `tierlb-l7-${process.pid}`;
/** The node's own addresses and one backend's; the VIPs come from the node's kernel operations. */
const ADDRESSES = ['10.0.1.31/32', 'fd00:1::31/128', '10.0.2.41/32'];

describe('haproxy running the l7-1 config in a namespace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-l7-live-'));
  const nodeFile = join(dir, 'node-agent-check');
  const backendFile = join(dir, 'backend-agent-check');
  const children: ResultPromise[] = [];
  const inNs = (cmd: string, args: string[]) => execa('ip', ['netns', 'exec', NS, cmd, ...args]);
  const spawnInNs = (cmd: string, args: string[]) => {
    const child = execa('ip', ['netns', 'exec', NS, cmd, ...args], { reject: false, all: true });
    children.push(child);
  };
  const status = async (url: string): Promise<string> =>
    (await inNs('curl', ['-s', '-o', '/dev/null', '-m', '2', '-w', '%{http_code}', url]).catch(() => ({ stdout: 'error' }))).stdout;
  const eventually = async (url: string, want: string): Promise<string> => {
    let got = '';
    for (let i = 0; i < 40 && got !== want; i++) {
      got = await status(url);
      if (got !== want) await new Promise((r) => setTimeout(r, 250));
    }
    return got;
  };
  const monitor = (path: string) => `http://10.0.1.31:9100${path}`;

  beforeAll(async () => {
    await execa('ip', ['netns', 'add', NS]);
    await inNs('ip', ['link', 'set', 'lo', 'up']);
    for (const a of ADDRESSES) await inNs('ip', ['address', 'add', a, 'dev', 'lo']);
    const site = siteIn(dir);
    const node = nodesWithRole(site, 'l7').find((n) => n.name === 'l7-1');
    if (!node) throw new Error('no l7-1');
    // Only the addresses: this kernel has no ipip module for tunl0 and its sysctls.
    for (const op of renderL7(site, node).netOps) {
      if (op.kind === 'address') await inNs('ip', ['address', 'add', `${op.address}/${op.prefixLength}`, 'dev', op.device]);
    }
    writeFileSync(nodeFile, 'ready up 100%\n');
    writeFileSync(backendFile, 'ready up 100%\n');
    writeFileSync(join(dir, 'haproxy.state'), '1\n');
    writeFileSync(join(dir, 'haproxy.cfg'), cfgOf(site, 'l7-1'));
    spawnInNs('node', ['--input-type=module', '-e', FAKE_AGENT, `127.0.0.1,9300,${nodeFile}`, `10.0.2.41,9300,${backendFile}`]);
    spawnInNs('node', ['--input-type=module', '-e', FAKE_BACKEND, '10.0.2.41']);
    spawnInNs('haproxy', ['-W', '-S', join(dir, 'haproxy-master.sock'), '-f', join(dir, 'haproxy.cfg')]);
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children);
    await execa('ip', ['netns', 'delete', NS], { reject: false });
  });

  it('answers 200 on the node monitor URI while the node agent says up', async () => {
    expect(await eventually(monitor('/tierlb/health'), '200')).toBe('200');
  });

  it('answers 200 on a service monitor URI while its backend has a usable server', async () => {
    expect(await eventually(monitor('/tierlb/health/web'), '200')).toBe('200');
  });

  it('answers 503 on a service monitor URI when no server of its backend is up', async () => {
    expect(await eventually(monitor('/tierlb/health/api'), '503')).toBe('503');
  });

  it('serves a user request on a VIP from the backend', async () => {
    await eventually(monitor('/tierlb/health/web'), '200');
    const r = await inNs('curl', ['-s', '-m', '2', 'http://198.51.100.1/']);
    expect(r.stdout).toBe('served by 10.0.2.41');
  });

  it('answers the L4 nodes\' check through the tunnel on a VIP itself, with its own name, and no backend sees it', async () => {
    await eventually(monitor('/tierlb/health/web'), '200');
    const r = await inNs('curl', ['-s', '-m', '2', '-w', ' %{http_code}', 'http://198.51.100.1/tierlb/health/web/tunnel']);
    expect(r.stdout).toBe('l7-1 200');
  });

  /** From a node in service, the operator writes `word` to the node's agent-check file. */
  const fromReadyTo = async (word: string): Promise<void> => {
    writeFileSync(nodeFile, 'ready up 100%\n');
    await eventually(monitor('/tierlb/health'), '200');
    writeFileSync(nodeFile, `${word}\n`);
  };

  for (const word of ['drain', 'maint', 'down']) {
    it(`fails the node monitor URI when the node agent says ${word}`, async () => {
      await fromReadyTo(word);
      expect(await eventually(monitor('/tierlb/health'), '503')).toBe('503');
    });

    it(`fails a service monitor URI when the node agent says ${word}`, async () => {
      await fromReadyTo(word);
      expect(await eventually(monitor('/tierlb/health/web'), '503')).toBe('503');
    });
  }

  it('passes the node monitor URI again once the node agent says ready up', async () => {
    await fromReadyTo('drain');
    await eventually(monitor('/tierlb/health'), '503');
    writeFileSync(nodeFile, 'ready up 100%\n');
    expect(await eventually(monitor('/tierlb/health'), '200')).toBe('200');
  });

  it('answers 404 on any other path of the monitor', async () => {
    expect(await status(monitor('/elsewhere'))).toBe('404');
  });

  // Last: it kills HAProxy. The L4 node's watch connection is what sees a dead HAProxy before the next check.
  it('ends an idle watch connection to the monitor when HAProxy is killed, long before its client timeout', async () => {
    const watcher = execa('ip', ['netns', 'exec', NS, 'node', '--import', 'tsx', '--input-type=module', '-e', WATCHER], { cwd: REPO, reject: false, all: true, timeout: 60_000 });
    children.push(watcher);
    let out = '';
    watcher.all?.on('data', (b: Buffer) => { out += b.toString(); });
    await expect.poll(() => out, { timeout: 30_000 }).toContain('watching');
    const killedAt = Date.now();
    for (const pid of (await execa('ip', ['netns', 'pids', NS])).stdout.split('\n').filter(Boolean)) {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'haproxy') process.kill(Number(pid), 'SIGKILL');
    }
    await expect.poll(() => out, { timeout: 9_000 }).toContain('closed');
    expect(Date.now() - killedAt, out).toBeLessThan(9_000);
  });
});

/** Holds a watch on l7-1's monitor from the node's own address, says when it ends. */
const WATCHER = `
import { tcpMonitorWatch } from './agent/health/l7-monitor-watch.ts';
tcpMonitorWatch({ address: '10.0.1.31', port: 9100, localAddress: '10.0.1.31' }, () => { console.log('closed'); process.exit(0); });
setTimeout(() => console.log('watching'), 300);
setTimeout(() => process.exit(1), 30000);`;
