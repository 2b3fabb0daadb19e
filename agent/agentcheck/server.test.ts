import { connect, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentReply } from '../../tiers/backend/index.js';
import { createMetrics } from '../observe/metrics.js';
import { startAgentCheckServer, type AgentCheckServer } from './server.js';

const silent = { info: () => undefined, warn: () => undefined };

/** Connects, optionally sends, and resolves with everything received once the server closes. */
function exchange(port: number, send?: string): Promise<{ text: string; closedBy: 'server' }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => { if (send !== undefined) sock.write(send); });
    sock.setTimeout(2000, () => sock.destroy(new Error('the server neither answered nor closed within 2 s')));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => { sock.end(); resolve({ text: Buffer.concat(chunks).toString(), closedBy: 'server' }); });
  });
}

describe('startAgentCheckServer', () => {
  let server: AgentCheckServer | undefined;
  afterEach(async () => { await server?.close(); server = undefined; });

  it('writes the current reply line and closes the connection', async () => {
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: () => 'up drain 100%\n' as AgentReply, logger: silent });
    expect(await exchange(server.port)).toEqual({ text: 'up drain 100%\n', closedBy: 'server' });
  });

  it('reads the reply afresh for every connection', async () => {
    let n = 0;
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: () => `up ready ${++n}%\n` as AgentReply, logger: silent });
    await exchange(server.port);
    expect((await exchange(server.port)).text).toBe('up ready 2%\n');
  });

  it('waits for an asynchronous reader', async () => {
    const read = () => new Promise<AgentReply>((r) => setTimeout(() => r('down ready 100%\n' as AgentReply), 20));
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read, logger: silent });
    expect((await exchange(server.port)).text).toBe('down ready 100%\n');
  });

  it('answers the same line whatever the client sends first (agent-send)', async () => {
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: () => 'up ready 100%\n' as AgentReply, logger: silent });
    expect((await exchange(server.port, 'be_web/srv1\nmaint\n')).text).toBe('up ready 100%\n');
  });

  it('closes without a line, and logs, when the reader fails', async () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_o: object, msg: string) => { warnings.push(msg); } };
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: () => { throw new Error('boom'); }, logger });
    expect((await exchange(server.port)).text).toBe('');
    expect(warnings).toEqual(['agent-check reply unavailable; closing without an answer']);
  });

  it('closes without a line on a client whose reply is not ready within its lifetime', async () => {
    const read = () => new Promise<AgentReply>(() => undefined);
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read, logger: silent, lifetimeMs: 50 });
    expect((await exchange(server.port)).text).toBe('');
  });
});

/** A logger that keeps every line, for counting. */
function recorder() {
  const lines: { msg: string; obj: Record<string, unknown> }[] = [];
  const keep = (obj: object, msg: string): void => { lines.push({ msg, obj: obj as Record<string, unknown> }); };
  return { lines, logger: { info: keep, warn: keep } };
}
const rejected = async (metrics: ReturnType<typeof createMetrics>, reason: string): Promise<number> =>
  (await metrics.agentCheckRejected.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
const up = () => 'up ready 100%\n' as AgentReply;

/** A client that does not close when the server does: it has to be closed. Resolves once it has the reply. */
function holdOpen(port: number): Promise<{ socket: Socket; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('data', (c) => resolve({ socket, text: c.toString() }));
    socket.on('error', reject);
  });
}
const closed = (socket: Socket): Promise<void> => new Promise((done) => { if (socket.closed) done(); else socket.once('close', () => done()); });

describe('startAgentCheckServer, against misbehaving clients', () => {
  let server: AgentCheckServer | undefined;
  afterEach(async () => { await server?.close(); server = undefined; });

  it('closes a client that sends a byte every 50 ms at the end of its lifetime', async () => {
    const { lines, logger } = recorder();
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: up, logger, lifetimeMs: 300 });
    const started = Date.now();
    const { socket, text } = await holdOpen(server.port);
    socket.on('error', () => undefined);
    const drip = setInterval(() => { if (!socket.destroyed) socket.write('x'); }, 50);
    const deadline = new Promise<'still open'>((r) => setTimeout(() => r('still open'), 2000));
    const outcome = await Promise.race([closed(socket).then(() => 'closed' as const), deadline]);
    clearInterval(drip);
    socket.destroy();
    expect({ text, outcome }).toEqual({ text: 'up ready 100%\n', outcome: 'closed' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(lines.map((l) => l.obj.complaint)).toContain('lifetime');
  });

  it('closes the connection over the cap at once while the ones under it are answered', async () => {
    const metrics = createMetrics(new Registry());
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: up, logger: silent, maxConnections: 3, metrics });
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await holdOpen(server.port));
    const over = await exchange(server.port);
    for (const h of held) h.socket.destroy();
    expect({ answered: held.map((h) => h.text), over: over.text }).toEqual({ answered: Array(3).fill('up ready 100%\n'), over: '' });
    expect(await rejected(metrics, 'cap')).toBe(1);
  });

  it('closes a client that sends more than an agent-send string', async () => {
    const metrics = createMetrics(new Registry());
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: () => new Promise<AgentReply>(() => undefined), logger: silent, metrics });
    const socket = connect(server.port, '127.0.0.1', () => socket.write('x'.repeat(4096)));
    socket.on('error', () => undefined);
    await closed(socket);
    expect(await rejected(metrics, 'input')).toBe(1);
  });

  it('takes a reset after the answer, as HAProxy closes its checks, as a normal close: nothing logged or counted', async () => {
    const { lines, logger } = recorder();
    const metrics = createMetrics(new Registry());
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: up, logger, metrics });
    const port = server.port;
    const readThenReset = (): Promise<string> => new Promise((done) => {
      const s = connect(port, '127.0.0.1');
      s.on('data', (d) => { s.resetAndDestroy(); done(d.toString()); });
      s.on('error', () => undefined);
    });
    for (let i = 0; i < 20; i++) expect(await readThenReset()).toMatch(/^up/);
    await new Promise((r) => setTimeout(r, 100));
    await server.close();
    server = undefined;
    expect(lines.filter((l) => l.obj.complaint === 'reset')).toEqual([]);
    expect(await rejected(metrics, 'reset')).toBe(0);
  });

  it('logs a burst of 1000 client resets before the answer in at most a few lines, with the count of the rest', async () => {
    const { lines, logger } = recorder();
    const metrics = createMetrics(new Registry());
    const slowUp = (): Promise<AgentReply> => new Promise((r) => setTimeout(() => r(up()), 200));
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read: slowUp, logger, metrics });
    const port = server.port;
    const reset = (): Promise<void> => new Promise((done) => {
      const s = connect(port, '127.0.0.1', () => s.resetAndDestroy());
      s.on('error', () => undefined);
      s.on('close', () => done());
    });
    for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 50 }, reset));
    await new Promise((r) => setTimeout(r, 100));
    await server.close();
    server = undefined;
    const resets = lines.filter((l) => l.obj.complaint === 'reset');
    expect(lines.length).toBeLessThanOrEqual(3);
    // A first line stands for itself, a later one for the count it carries; the metric counts every one.
    expect(resets.reduce((n, l) => n + Number(l.obj.suppressed ?? 1), 0)).toBe(await rejected(metrics, 'reset'));
    expect(await rejected(metrics, 'reset')).toBeGreaterThan(100);
  });
});
