import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { tcpMonitorWatch } from './l7-monitor-watch.js';

describe('tcpMonitorWatch on loopback', () => {
  it('tells when the other end goes away, and not when this side ends it', async () => {
    const accepted: Socket[] = [];
    const server = createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    let closed = 0;
    tcpMonitorWatch({ address: '127.0.0.1', port, localAddress: '127.0.0.1' }, () => { closed++; });
    await expect.poll(() => accepted.length).toBe(1);
    expect(closed).toBe(0);
    accepted[0]?.destroy();
    await expect.poll(() => closed).toBe(1);

    let quietClosed = 0;
    const end = tcpMonitorWatch({ address: '127.0.0.1', port }, () => { quietClosed++; });
    await expect.poll(() => accepted.length).toBe(2);
    end();
    await new Promise((r) => setTimeout(r, 50));
    expect(quietClosed).toBe(0);
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('tells at once when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    let closed = 0;
    tcpMonitorWatch({ address: '127.0.0.1', port }, () => { closed++; });
    await expect.poll(() => closed).toBe(1);
  });
});
