// The flows client against real sockets on loopback: a server that answers in
// full, one that resets mid-body, one that closes early, one that stalls.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlows } from './client.js';
import { LiveView } from './live.js';
import { summarize } from './outcome.js';

let server: Server;
let base = '';
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    res.setHeader('X-Served-By', 'srv-1');
    if (path === '/ok') {
      res.setHeader('Content-Length', '3000');
      res.write(Buffer.alloc(1000));
      setTimeout(() => res.end(Buffer.alloc(2000)), 50);
    } else if (path === '/reset') {
      res.setHeader('Content-Length', '3000');
      res.write(Buffer.alloc(1000));
      setTimeout(() => req.socket.resetAndDestroy(), 30);
    } else if (path === '/short') {
      res.setHeader('Content-Length', '3000');
      res.write(Buffer.alloc(1000));
      setTimeout(() => req.socket.end(), 30);
    } else if (path === '/stall') {
      res.setHeader('Content-Length', '3000');
      res.write(Buffer.alloc(10));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const run = (path: string, flows = 4) =>
  runFlows({ targets: [`${base}${path}`], sources: ['127.0.0.1'], flows, concurrency: 2, idleTimeoutMs: 300, deadlineMs: 5000 });

describe('runFlows', () => {
  it('counts complete downloads and who served them', async () => {
    const s = summarize(await run('/ok'));
    expect(s).toMatchObject({ flows: 4, complete: 4, broken: 0, bytes: 12000, servedBy: { 'srv-1': 4 } });
  });

  it('tells a reset from a short read, a stall and an HTTP error', async () => {
    expect(summarize(await run('/reset', 2)).byEnd.reset).toBe(2);
    expect(summarize(await run('/short', 2)).byEnd['short-read']).toBe(2);
    expect(summarize(await run('/stall', 2)).byEnd.timeout).toBe(2);
    expect(summarize(await run('/missing', 2)).byEnd['http-error']).toBe(2);
  });

  it('counts a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const results = await runFlows({ targets: [`http://127.0.0.1:${port}/`], sources: [], flows: 2, concurrency: 2, idleTimeoutMs: 300, deadlineMs: 2000 });
    expect(summarize(results).byEnd.refused).toBe(2);
  });

  it('refuses options it cannot honour, all at once', async () => {
    await expect(runFlows({ targets: ['ftp://x', 'http://[2001:db8::1]/'], sources: ['127.0.0.1'], flows: 0, concurrency: 1, idleTimeoutMs: 1, deadlineMs: 1 }))
      .rejects.toThrow(/expected flows from 1 to 100000, got 0; expected an http:\/\/ URL, got "ftp:\/\/x"; no source address of the family of http:\/\/\[2001:db8::1\]\//);
  });

  it('marks batches green when all ended well and red with the count otherwise', () => {
    const out: string[] = [];
    const view = new LiveView(2, (t) => out.push(t), false);
    const r = (end: 'complete' | 'reset') => ({ target: 't', source: 's', end, bytes: 0, expectedBytes: null, startedAt: 0, endedAt: 0 });
    view.add(r('complete'));
    view.add(r('complete'));
    view.add(r('reset'));
    view.add(r('complete'));
    view.add(r('reset'));
    view.flush();
    expect(out).toEqual(['.', '1', '1']);
  });
});
