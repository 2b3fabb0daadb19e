// One GET of an L7 node's `_all` monitor URI, with the body (bounded), and
// the transport failures told apart the way probe.ts does: a refused or reset
// connection means HAProxy is gone and counts at once. probe.ts's httpProbe
// only looks at the status; the `_all` answer needs the body.
import { request } from 'node:http';
import { armDeadline } from './check-deadline.js';
import type { MonitorReply } from './l7-monitor-reply.js';

export interface MonitorTarget {
  readonly address: string;
  readonly port: number;
  readonly path: string;
  readonly timeoutMs: number;
  /** The L4 node's own address, so the check leaves by the production path. */
  readonly localAddress?: string;
}

export type MonitorFetch = (t: MonitorTarget) => Promise<MonitorReply>;

/** `web=N api=M ` for a few services fits easily; more than this is not a monitor answer. */
const MAX_BODY = 4096;

export const httpMonitorFetch: MonitorFetch = (t) =>
  new Promise((resolve) => {
    let settled = false;
    const done = (r: MonitorReply): void => { if (!settled) { settled = true; cancel(); resolve(r); } };
    const req = request({
      host: t.address, port: t.port, path: t.path, method: 'GET', agent: false,
      headers: { 'user-agent': 'tierlb-l4-health', connection: 'close' },
      ...(t.localAddress ? { localAddress: t.localAddress } : {}),
    });
    const cancel = armDeadline(t.timeoutMs, (verdict) => { done(verdict); req.destroy(); });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY) { done({ kind: 'error', reason: `monitor body longer than ${MAX_BODY} bytes` }); req.destroy(); }
      });
      res.on('end', () => done({ kind: 'answer', status: res.statusCode ?? 0, body }));
      res.on('error', () => done({ kind: 'reset' }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done({ kind: 'refused' });
      else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') done({ kind: 'reset' });
      else done({ kind: 'error', reason: err.code ?? err.message });
    });
    req.end();
  });
