// One end-to-end check of a VIP:port as users reach it: an HTTP GET of the
// service's check path for http mode, a TCP connect for tcp mode.
import { connect } from 'node:net';
import type { CheckOutcome } from '../../tiers/l4/health.js';
import type { VipTarget } from '../../tiers/dns/vip-health.js';
import { httpProbe } from '../health/probe.js';

export type VipProbe = (t: VipTarget) => Promise<CheckOutcome>;

export const vipProbe: VipProbe = (t) =>
  t.check.kind === 'http'
    ? httpProbe({ address: t.vip, port: t.port, path: t.check.path, expectStatus: t.check.expectStatus, timeoutMs: t.timeoutMs })
    : tcpProbe(t.vip, t.port, t.timeoutMs);

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (o: CheckOutcome): void => { clearTimeout(timer); socket.destroy(); resolve(o); };
    const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
    socket.once('connect', () => done({ kind: 'ok' }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done({ kind: 'refused' });
      else if (err.code === 'ECONNRESET') done({ kind: 'reset' });
      else done({ kind: 'fail', reason: err.code ?? err.message });
    });
  });
}
