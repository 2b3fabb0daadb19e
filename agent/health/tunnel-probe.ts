// One check of an L7 node's VIP and port through the IPIP tunnel. The L4 node
// sends it from its own address to the VIP, with the firewall mark of that
// L7 node's check service: IPVS matches the mark and tunnels the packets to
// that one node, as it would a client's. Node.js cannot set SO_MARK, so the
// addon opens the marked socket and net.Socket adopts its fd.
//
// Adopting an unconnected fd works on Node 20 under one condition: connect
// in the same tick. The net.Socket constructor starts reading the fd at
// once; an unconnected TCP socket polls as hung up and its read fails with
// ENOTCONN, which destroys the socket. A VIP given as an IP literal is
// connected on process.nextTick, with no lookup, before the event loop
// polls; from then on the socket is connecting and polls quiet. Hence the
// connect right after the constructor, and no host names. libuv binds and
// connects the same fd, so the mark stays on it.
import { closeSync } from 'node:fs';
import { isIP, Socket } from 'node:net';
import type { CheckOutcome } from '../../tiers/l4/health.js';
import { markedTcpSocket } from '../drivers/ipvs/netlink-addon.js';
import { armDeadline, type DeadlineVerdict } from './check-deadline.js';

export interface TunnelProbeTarget {
  /** IPv4 or IPv6 VIP. */
  readonly vip: string;
  readonly port: number;
  /** The L4 node's own address of the VIP's family: the check is sent from it. */
  readonly localAddress: string;
  /** fwmark of the L7 node's check service. */
  readonly mark: number;
  readonly mode: 'http' | 'tcp';
  /** http: the path to GET. */
  readonly path: string;
  readonly timeoutMs: number;
  /** http: the answer's body must be this (the L7 node's name): another node's answer is not this node's. */
  readonly expectBody?: string;
}

export type TunnelProbe = (t: TunnelProbeTarget) => Promise<CheckOutcome>;

/** Opens an unconnected non-blocking TCP socket carrying `mark`; the caller owns the fd. */
export type MarkedSocketOpener = (family: 4 | 6, mark: number) => { readonly fd: number } | { readonly error: string };

/** The most of an answer read while looking for its status line. */
const MAX_HEAD_BYTES = 4096;

/** The tunnel probe over `open`; tests pass an opener that watches the fds. */
export function tunnelProbe(open: MarkedSocketOpener): TunnelProbe {
  return (t) => new Promise((resolve) => {
    const opened = openSocket(open, t);
    if ('error' in opened) {
      resolve({ kind: 'fail', reason: `cannot open a marked socket: ${opened.error}` });
      return;
    }
    const socket = opened.socket;
    let settled = false;
    const done = (o: CheckOutcome): void => {
      if (settled) return;
      settled = true;
      cancel();
      socket.destroy();
      resolve(o);
    };
    const cancel = armDeadline(t.timeoutMs, (v) => done(deadlineOutcome(v, socket.connecting)));
    socket.on('error', (err: NodeJS.ErrnoException) => done(errorOutcome(err)));
    socket.on('close', () => done({ kind: 'fail', reason: 'connection closed before an answer' }));
    if (t.mode === 'tcp') socket.on('connect', () => done({ kind: 'ok' }));
    else readStatus(socket, t, done);
    try {
      socket.connect({ host: t.vip, port: t.port, localAddress: t.localAddress });
    } catch (err) {
      done({ kind: 'fail', reason: (err as Error).message });
    }
  });
}

export const markedTunnelProbe: TunnelProbe = tunnelProbe(markedTcpSocket);

/**
 * A deadline that fired late says nothing of a check that got past its
 * handshake (the request and its answer need the agent's own turns), but a
 * socket still connecting is judged all the same: the handshake is the
 * kernel's alone, so no answer came in more than the timeout, whatever the
 * agent was doing. A blackholing L7 node is then taken out even by an L4
 * agent starved of CPU, whose late timers would otherwise never judge it.
 */
export function deadlineOutcome(v: DeadlineVerdict, connecting: boolean): DeadlineVerdict {
  return v.kind === 'stalled' && connecting ? { kind: 'timeout' } : v;
}

function openSocket(open: MarkedSocketOpener, t: TunnelProbeTarget): { readonly socket: Socket } | { readonly error: string } {
  const family = isIP(t.vip);
  if (family !== 4 && family !== 6) return { error: `expected an IP address for the VIP, got "${t.vip}"` };
  const opened = open(family, t.mark);
  if ('error' in opened) return opened;
  try {
    return { socket: new Socket({ fd: opened.fd, readable: true, writable: true }) };
  } catch (err) {
    closeSync(opened.fd);
    return { error: (err as Error).message };
  }
}

/** Sends the GET once connected and judges the status line, reading at most MAX_HEAD_BYTES. */
function readStatus(socket: Socket, t: TunnelProbeTarget, done: (o: CheckOutcome) => void): void {
  socket.on('connect', () => {
    socket.write(`GET ${t.path} HTTP/1.0\r\nHost: ${t.vip}\r\nUser-Agent: tierlb-tunnel-check\r\nConnection: close\r\n\r\n`);
  });
  let head = '';
  socket.on('data', (chunk: Buffer) => {
    head += chunk.toString('latin1', 0, MAX_HEAD_BYTES - head.length);
    const verdict = statusVerdict(head);
    if (verdict && (verdict.kind !== 'ok' || t.expectBody === undefined)) done(verdict);
    else if (verdict) { const b = bodyVerdict(head, t.expectBody ?? '', false); if (b) done(b); }
    else if (head.length >= MAX_HEAD_BYTES) done({ kind: 'fail', reason: `no HTTP status line in the first ${MAX_HEAD_BYTES} bytes` });
  });
  // The answer ends with the connection (HTTP/1.0, Connection: close): judge what came.
  socket.on('end', () => {
    if (t.expectBody !== undefined && statusVerdict(head)?.kind === 'ok') done(bodyVerdict(head, t.expectBody, true) ?? { kind: 'ok' });
  });
}

/** Whether the body names the expected node; undefined while more may come. */
function bodyVerdict(head: string, expected: string, ended: boolean): CheckOutcome | undefined {
  const start = head.indexOf('\r\n\r\n');
  if (start < 0) return ended ? { kind: 'fail', reason: 'answer ended inside its headers' } : undefined;
  const body = head.slice(start + 4).trim();
  if (body === expected) return { kind: 'ok' };
  if (!ended && head.length < MAX_HEAD_BYTES) return undefined;
  return { kind: 'fail', reason: `answered by ${JSON.stringify(body.slice(0, 40))}, not ${expected}: the tunnel does not reach ${expected}` };
}

const HTTP1 = 'HTTP/1.';

/** The verdict on the start of an answer; undefined while the status line is incomplete. */
function statusVerdict(head: string): CheckOutcome | undefined {
  if (!head.startsWith(HTTP1) && !HTTP1.startsWith(head)) return notHttp(head);
  const end = head.indexOf('\n');
  if (end < 0) return undefined;
  const m = /^HTTP\/1\.\d (\d{3})(?: .*)?\r?$/.exec(head.slice(0, end));
  if (!m) return notHttp(head);
  return m[1] === '200' ? { kind: 'ok' } : { kind: 'fail', reason: `HTTP ${m[1]} through the tunnel` };
}

function notHttp(head: string): CheckOutcome {
  return { kind: 'fail', reason: `not an HTTP answer through the tunnel: ${JSON.stringify(head.slice(0, 32))}` };
}

function errorOutcome(err: NodeJS.ErrnoException): CheckOutcome {
  if (err.code === 'ECONNREFUSED') return { kind: 'refused' };
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return { kind: 'reset' };
  return { kind: 'fail', reason: err.code ?? err.message };
}
