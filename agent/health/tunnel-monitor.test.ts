import { describe, expect, it } from 'vitest';
import type { Port } from '../../site/index.js';
import type { CheckOutcome } from '../../tiers/l4/health.js';
import type { TunnelCheckTarget } from '../../tiers/l4/tunnel-checks.js';
import { checkThroughTunnel } from './tunnel-monitor.js';
import type { TunnelProbe } from './tunnel-probe.js';

const target: TunnelCheckTarget = {
  l7: 'l7-1' as TunnelCheckTarget['l7'], service: 'web' as TunnelCheckTarget['service'], mode: 'http', path: '/tierlb/health/web/tunnel',
  intervalMs: 1000, timeoutMs: 500, fastIntervalMs: 500, rise: 2, fall: 2,
  probes: [
    { vip: '198.51.100.1', port: 80 as Port, localAddress: '10.0.0.21', mark: 7 },
    { vip: '2001:db8::1', port: 80 as Port, localAddress: 'fd00::21', mark: 7 },
  ] as unknown as TunnelCheckTarget['probes'],
};

const probeBy = (outcomes: Record<string, CheckOutcome>): TunnelProbe => async (t) => outcomes[t.vip] ?? { kind: 'ok' };

describe('checkThroughTunnel', () => {
  it('is ok when every VIP and port answered', async () => {
    expect(await checkThroughTunnel(probeBy({}), target)).toEqual({ kind: 'ok' });
  });

  it('names the VIP and port that did not answer', async () => {
    expect(await checkThroughTunnel(probeBy({ '2001:db8::1': { kind: 'timeout' } }), target)).toEqual({ kind: 'fail', reason: '[2001:db8::1]:80: timeout' });
  });

  it('counts a refusal toward fall like any failure, naming the VIP and port: through the tunnel it is a reload not done yet', async () => {
    expect(await checkThroughTunnel(probeBy({ '198.51.100.1': { kind: 'refused' } }), target)).toEqual({ kind: 'fail', reason: '198.51.100.1:80: connection refused' });
  });

  it('does not count a VIP and port still in their grace, and gives no verdict when none counts', async () => {
    const failing = probeBy({ '2001:db8::1': { kind: 'timeout' } });
    expect(await checkThroughTunnel(failing, target, undefined, (p) => p.vip !== '2001:db8::1')).toEqual({ kind: 'ok' });
    expect(await checkThroughTunnel(failing, target, undefined, () => false)).toBeUndefined();
  });

  it('says nothing when a deadline ran late', async () => {
    expect((await checkThroughTunnel(probeBy({ '198.51.100.1': { kind: 'timeout' }, '2001:db8::1': { kind: 'stalled', lateMs: 900 } }), target))?.kind).toBe('stalled');
  });

  it('sends each probe with the service\'s mode, path and timeout', async () => {
    const seen: string[] = [];
    await checkThroughTunnel(async (t) => { seen.push(`${t.mode} ${t.path} ${t.timeoutMs} ${t.mark}`); return { kind: 'ok' }; }, target);
    expect(seen).toEqual(['http /tierlb/health/web/tunnel 500 7', 'http /tierlb/health/web/tunnel 500 7']);
  });
});
