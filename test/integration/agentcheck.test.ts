// The agent-check server against a real HAProxy 2.6: what an operator writes
// to the file reaches the server's state in HAProxy within about one
// agent-inter, and every later write undoes the earlier one.
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileAgentCheckSource, startAgentCheckServer, type AgentCheckServer } from '../../agent/agentcheck/index.js';
import { haproxyRuntime, type HaproxyRuntime } from '../../agent/ports/haproxy-runtime.js';

const silent = { info: () => undefined, warn: () => undefined };

/** One server with a health check against a real listener, as in production, plus the agent-check. */
const config = (socket: string, serverPort: number, agentPort: number): string => `global
  stats socket ${socket} level admin
defaults
  mode tcp
  timeout connect 1s
  timeout client 5s
  timeout server 5s
backend be_web
  balance roundrobin
  server srv1 127.0.0.1:${serverPort} weight 100 check inter 200ms agent-check agent-addr 127.0.0.1 agent-port ${agentPort} agent-inter 200ms
`;

/** The `status` and `weight` columns of srv1's row in `show stat`. */
async function srv1(runtime: HaproxyRuntime): Promise<{ status: string; weight: string }> {
  const lines = (await runtime.command('show stat')).split('\n');
  const header = lines[0]?.replace(/^# /, '').split(',') ?? [];
  const row = lines.find((l) => l.startsWith('be_web,srv1,'))?.split(',') ?? [];
  return { status: row[header.indexOf('status')] ?? '', weight: row[header.indexOf('weight')] ?? '' };
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, withinMs: number): Promise<T> {
  const end = Date.now() + withinMs;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await probe().catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${withinMs} ms; last seen ${JSON.stringify(last)}`);
}

describe('agent-check against HAProxy', () => {
  let dir: string;
  let file: string;
  let server: AgentCheckServer;
  let haproxy: ResultPromise;
  let runtime: HaproxyRuntime;
  let backend: Server;

  beforeAll(async () => {
    backend = createServer((s) => s.end());
    await new Promise<void>((ready) => backend.listen(0, '127.0.0.1', () => ready()));
    const backendPort = (backend.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'tierlb-agentcheck-it-'));
    file = join(dir, 'agent-check');
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: fileAgentCheckSource(file, silent).read, logger: silent });
    writeFileSync(join(dir, 'haproxy.cfg'), config(join(dir, 'admin.sock'), backendPort, server.port));
    haproxy = execa('haproxy', ['-f', join(dir, 'haproxy.cfg'), '-db'], { reject: false });
    runtime = haproxyRuntime(join(dir, 'admin.sock'));
    await eventually(() => srv1(runtime), (s) => s.status === 'UP', 5000);
  });

  afterAll(async () => {
    haproxy.kill('SIGTERM');
    await haproxy;
    await server.close();
    await new Promise((closed) => backend.close(closed));
    rmSync(dir, { recursive: true, force: true });
  });

  it('drains the server within 1 s of `drain` being written', async () => {
    writeFileSync(file, 'drain\n');
    expect((await eventually(() => srv1(runtime), (s) => s.status.startsWith('DRAIN'), 1000)).status).toBe('DRAIN (agent)');
  });

  it('takes the server down within 1 s of `down` being written', async () => {
    writeFileSync(file, 'down # kernel upgrade by alice\n');
    expect((await eventually(() => srv1(runtime), (s) => s.status.startsWith('DOWN'), 1000)).status).toBe('DOWN (agent)');
  });

  it('brings the server back up within 1 s of `up` being written', async () => {
    writeFileSync(file, 'up\n');
    expect((await eventually(() => srv1(runtime), (s) => s.status === 'UP', 1000)).status).toBe('UP');
  });

  it('sets half the configured weight within 1 s of `50%` being written', async () => {
    writeFileSync(file, '50%\n');
    expect((await eventually(() => srv1(runtime), (s) => s.weight === '50', 1000)).weight).toBe('50');
  });

  it('puts the server in maintenance with `maint` and brings it back when the file is removed', async () => {
    writeFileSync(file, 'maint\n');
    await eventually(() => srv1(runtime), (s) => s.status === 'MAINT', 1000);
    rmSync(file);
    expect(await eventually(() => srv1(runtime), (s) => s.status === 'UP' && s.weight === '100', 1000)).toEqual({ status: 'UP', weight: '100' });
  });

  it('keeps the server drained when the file becomes garbage', async () => {
    writeFileSync(file, 'drain\n');
    await eventually(() => srv1(runtime), (s) => s.status.startsWith('DRAIN'), 1000);
    writeFileSync(file, 'rm -rf /\n');
    // Three agent-inter periods: time enough for HAProxy to have applied a wrong answer.
    await new Promise((r) => setTimeout(r, 600));
    expect((await srv1(runtime)).status).toBe('DRAIN (agent)');
  });
});
