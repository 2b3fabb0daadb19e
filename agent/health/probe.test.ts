import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpProbe } from './probe.js';

const servers: { close(): void }[] = [];
afterEach(() => { servers.splice(0).forEach((s) => s.close()); });

async function listen(s: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as AddressInfo).port;
}

const target = (port: number, timeoutMs = 500) => ({ address: '127.0.0.1', port, path: '/tierlb/health/web', expectStatus: 200, timeoutMs });

describe('httpProbe', () => {
  it('says ok for the expected status', async () => {
    const port = await listen(createServer((_q, r) => r.writeHead(200).end('ok')));
    expect(await httpProbe(target(port))).toEqual({ kind: 'ok' });
  });

  it('says fail with the status for another one', async () => {
    const port = await listen(createServer((_q, r) => r.writeHead(503).end()));
    expect(await httpProbe(target(port))).toEqual({ kind: 'fail', reason: 'HTTP 503, expected 200' });
  });

  it('says refused when nothing listens', async () => {
    const port = await listen(createTcpServer());
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(await httpProbe(target(port))).toEqual({ kind: 'refused' });
  });

  it('says reset when the server resets the connection', async () => {
    const port = await listen(createTcpServer((sock) => sock.resetAndDestroy()));
    expect(await httpProbe(target(port))).toEqual({ kind: 'reset' });
  });

  it('says timeout when the answer does not come in time', async () => {
    const port = await listen(createTcpServer(() => undefined));
    expect(await httpProbe(target(port, 100))).toEqual({ kind: 'timeout' });
  });
});
