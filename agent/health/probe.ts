// One HTTP check of a monitor URI, classified the way the rise/fall machine
// needs it: a refused or reset connection is told apart from a slow or bad
// answer, because the first means HAProxy is gone and counts at once.
import { request } from 'node:http';
import type { CheckOutcome } from '../../tiers/l4/health.js';
import { armDeadline } from './check-deadline.js';

export interface ProbeTarget {
  readonly address: string;
  readonly port: number;
  readonly path: string;
  readonly expectStatus: number;
  readonly timeoutMs: number;
  /** Local address to send from (the L4 node's own), so the check takes the production path. */
  readonly localAddress?: string;
}

export type Probe = (t: ProbeTarget) => Promise<CheckOutcome>;

export const httpProbe: Probe = (t) =>
  new Promise((resolve) => {
    let settled = false;
    const done = (o: CheckOutcome): void => { if (!settled) { settled = true; cancel(); resolve(o); } };
    const req = request({
      host: t.address, port: t.port, path: t.path, method: 'GET', agent: false,
      headers: { 'user-agent': 'tierlb-health', connection: 'close' },
      ...(t.localAddress ? { localAddress: t.localAddress } : {}),
    });
    const cancel = armDeadline(t.timeoutMs, (verdict) => { done(verdict); req.destroy(); });
    req.on('response', (res) => {
      res.resume();
      done(res.statusCode === t.expectStatus ? { kind: 'ok' } : { kind: 'fail', reason: `HTTP ${res.statusCode ?? '?'}, expected ${t.expectStatus}` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done({ kind: 'refused' });
      else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') done({ kind: 'reset' });
      else done({ kind: 'fail', reason: err.code ?? err.message });
    });
    req.end();
  });
