import { closeSync, fstatSync, openSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { markedSocketsAvailable, markedTcpSocket, socketMark } from '../drivers/ipvs/netlink-addon.js';
import { deadlineOutcome, markedTunnelProbe, tunnelProbe, type MarkedSocketOpener, type TunnelProbeTarget } from './tunnel-probe.js';

// Loopback only: the local route table ignores marks, so marked checks reach
// these servers as unmarked ones would.
const servers: (Server | TcpServer)[] = [];
const connections: Socket[] = [];
afterEach(() => {
  connections.splice(0).forEach((c) => c.destroy());
  servers.splice(0).forEach((s) => s.close());
});

async function listen(s: Server | TcpServer, host = '127.0.0.1'): Promise<number> {
  servers.push(s);
  s.on('connection', (c: Socket) => connections.push(c));
  await new Promise<void>((r) => s.listen(0, host, () => r()));
  return (s.address() as AddressInfo).port;
}

const answering = (status: number) => createServer((_q, r) => r.writeHead(status).end());

function target(port: number, over: Partial<TunnelProbeTarget> = {}): TunnelProbeTarget {
  return { vip: '127.0.0.1', port, localAddress: '127.0.0.1', mark: 0x7e1, mode: 'http', path: '/tierlb/tunnel/web', timeoutMs: 2000, ...over };
}

/** The real opener, keeping every fd it handed out. */
function watchedOpener(): { open: MarkedSocketOpener; fds: number[] } {
  const fds: number[] = [];
  const open: MarkedSocketOpener = (family, mark) => {
    const r = markedTcpSocket(family, mark);
    if ('fd' in r) fds.push(r.fd);
    return r;
  };
  return { open, fds };
}

function isClosed(fd: number): boolean {
  try {
    fstatSync(fd);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EBADF';
  }
}

// Each test fails with the loader's reason when the addon is not built:
// skipped tests would pass a run on a host that never checked a mark.
beforeEach(() => {
  const available = markedSocketsAvailable();
  if (!available.ok) throw new Error(available.why);
});

describe('markedTcpSocket', () => {
  it('opens a socket that carries the mark', () => {
    const r = markedTcpSocket(6, 0xffffffff);
    if ('error' in r) throw new Error(r.error);
    try {
      expect(socketMark(r.fd)).toEqual({ mark: 0xffffffff });
    } finally {
      closeSync(r.fd);
    }
  });

  it('refuses a mark of 0 with the addon\'s reason', () => {
    expect(markedTcpSocket(4, 0)).toEqual({ error: 'markedTcpSocket mark: expected an integer 1..4294967295' });
  });
});

describe('markedTunnelProbe', () => {
  it('says ok for HTTP 200', async () => {
    const port = await listen(answering(200));
    expect(await markedTunnelProbe(target(port))).toEqual({ kind: 'ok' });
  });

  it('sends a GET of the path from the local address, with the VIP as Host', async () => {
    const seen: { url?: string; host?: string; agent?: string; from?: string }[] = [];
    const port = await listen(createServer((q, r) => {
      seen.push({ url: q.url, host: q.headers.host, agent: q.headers['user-agent'], from: q.socket.remoteAddress });
      r.writeHead(200).end();
    }));
    await markedTunnelProbe(target(port));
    expect(seen).toEqual([{ url: '/tierlb/tunnel/web', host: '127.0.0.1', agent: 'tierlb-tunnel-check', from: '127.0.0.1' }]);
  });

  it('connects through a socket that carries the mark', async () => {
    const { open, fds } = watchedOpener();
    const marks: unknown[] = [];
    const port = await listen(createServer((_q, r) => {
      marks.push(fds.map((fd) => socketMark(fd)));
      r.writeHead(200).end();
    }));
    expect(await tunnelProbe(open)(target(port, { mark: 0x10203 }))).toEqual({ kind: 'ok' });
    expect(marks).toEqual([[{ mark: 0x10203 }]]);
  });

  it('says fail with the status for another one', async () => {
    const port = await listen(answering(503));
    expect(await markedTunnelProbe(target(port))).toEqual({ kind: 'fail', reason: 'HTTP 503 through the tunnel' });
  });

  it('says ok only when the answer names the node it was meant for', async () => {
    const port = await listen(createServer((_q, r) => r.writeHead(200, { 'content-type': 'text/plain' }).end('l7-1\n')));
    expect(await markedTunnelProbe(target(port, { expectBody: 'l7-1' }))).toEqual({ kind: 'ok' });
    const other = await markedTunnelProbe(target(port, { expectBody: 'l7-2' }));
    expect(other).toMatchObject({ kind: 'fail' });
    expect(other.kind === 'fail' ? other.reason : '').toMatch(/answered by "l7-1", not l7-2/);
  });

  it('says fail for an answer that is not HTTP', async () => {
    const port = await listen(createTcpServer((c) => c.end('SSH-2.0-OpenSSH\r\n')));
    expect(await markedTunnelProbe(target(port))).toEqual({ kind: 'fail', reason: 'not an HTTP answer through the tunnel: "SSH-2.0-OpenSSH\\r\\n"' });
  });

  it('says fail when 4 KiB bring no status line', async () => {
    const port = await listen(createTcpServer((c) => c.write(`HTTP/1.1 200 ${'x'.repeat(8192)}`)));
    expect(await markedTunnelProbe(target(port))).toEqual({ kind: 'fail', reason: 'no HTTP status line in the first 4096 bytes' });
  });

  it('says ok in tcp mode once connected', async () => {
    const port = await listen(createTcpServer(() => undefined));
    expect(await markedTunnelProbe(target(port, { mode: 'tcp' }))).toEqual({ kind: 'ok' });
  });

  it('says refused when nothing listens', async () => {
    const s = createTcpServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    expect(await markedTunnelProbe(target(port))).toEqual({ kind: 'refused' });
  });

  it('says reset when the server resets the connection', async () => {
    const port = await listen(createTcpServer((c) => c.resetAndDestroy()));
    expect(await markedTunnelProbe(target(port))).toEqual({ kind: 'reset' });
  });

  it('says timeout when the server accepts and never answers', async () => {
    const port = await listen(createTcpServer(() => undefined));
    expect(await markedTunnelProbe(target(port, { timeoutMs: 200 }))).toEqual({ kind: 'timeout' });
  });

  it('checks an IPv6 VIP', async () => {
    const port = await listen(answering(200), '::1');
    expect(await markedTunnelProbe(target(port, { vip: '::1', localAddress: '::1' }))).toEqual({ kind: 'ok' });
  });

  it('says fail when the marked socket cannot be opened', async () => {
    expect(await markedTunnelProbe(target(1, { mark: 0 }))).toEqual({ kind: 'fail', reason: 'cannot open a marked socket: markedTcpSocket mark: expected an integer 1..4294967295' });
  });

  it('closes the socket whatever the outcome', async () => {
    const { open, fds } = watchedOpener();
    const probe = tunnelProbe(open);
    const ok = await listen(answering(200));
    const silent = await listen(createTcpServer(() => undefined));
    const closed = createTcpServer();
    const refused = await listen(closed);
    await new Promise((r) => closed.close(r));
    for (const t of [target(ok), target(ok, { mode: 'tcp' }), target(silent, { timeoutMs: 100 }), target(refused)]) {
      await probe(t);
      expect(fds.length).toBeGreaterThan(0);
      expect(isClosed(fds[fds.length - 1] ?? -1)).toBe(true);
    }
  });

  it('closes an fd that cannot be taken as a socket', async () => {
    let fd = -1;
    const probe = tunnelProbe(() => ({ fd: (fd = openSync('/dev/null', 'r')) }));
    const outcome = await probe(target(1));
    expect(outcome.kind).toBe('fail');
    expect(isClosed(fd)).toBe(true);
  });
});

describe('a check through the tunnel whose deadline fired late', () => {
  it('is judged a timeout while its handshake never completed, and left unjudged once past it', () => {
    const late = { kind: 'stalled' as const, lateMs: 1500 };
    expect(deadlineOutcome(late, true)).toEqual({ kind: 'timeout' });
    expect(deadlineOutcome(late, false)).toEqual(late);
    expect(deadlineOutcome({ kind: 'timeout' }, false)).toEqual({ kind: 'timeout' });
  });
});
