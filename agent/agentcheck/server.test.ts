import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentReply } from '../../tiers/backend/index.js';
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

  it('closes without a line on a client whose reply is not ready within the timeout', async () => {
    const read = () => new Promise<AgentReply>(() => undefined);
    server = await startAgentCheckServer({ host: '127.0.0.1', port: 0, read, logger: silent, timeoutMs: 50 });
    expect((await exchange(server.port)).text).toBe('');
  });
});
