import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../../tiers/l4/health.js';
import type { VipTarget } from '../../tiers/dns/vip-health.js';
import type { Clock } from '../ports/clock.js';
import { VipChecks } from './dns-checks.js';

/** A clock whose sleeps end only when the test advances it. */
function fakeClock() {
  let now = 0;
  let sleepers: { until: number; wake: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms, signal) => new Promise<void>((resolve) => {
      const s = { until: now + ms, wake: resolve };
      sleepers.push(s);
      signal?.addEventListener('abort', () => { sleepers = sleepers.filter((x) => x !== s); resolve(); }, { once: true });
    }),
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    clock,
    async advance(ms: number) {
      await settle();
      now += ms;
      const due = sleepers.filter((s) => s.until <= now);
      sleepers = sleepers.filter((s) => s.until > now);
      for (const s of due) s.wake();
      await settle();
    },
  };
}

const target = (vip: string): VipTarget => ({
  key: `${vip} 80`, service: 'web' as VipTarget['service'], vip: vip as VipTarget['vip'], port: 80 as VipTarget['port'],
  check: { kind: 'tcp' }, intervalMs: 100, timeoutMs: 50, rule: { rise: 2, fall: 2 },
});

function setup(outcomes: Record<string, CheckOutcome[]>) {
  const time = fakeClock();
  const changes: string[] = [];
  const probed: string[] = [];
  const checks = new VipChecks({
    clock: time.clock,
    log: pino({ level: 'silent' }),
    onChange: (r) => changes.push(r),
    probe: async (t) => { probed.push(t.vip); return outcomes[t.vip]?.shift() ?? { kind: 'ok' }; },
  });
  return { time, checks, changes, probed };
}

describe('VipChecks', () => {
  it('brings a VIP up after rise successes and down after fall failures, asking for a turn at each change', async () => {
    const { time, checks, changes } = setup({ '192.0.2.1': [{ kind: 'ok' }, { kind: 'ok' }, { kind: 'timeout' }, { kind: 'timeout' }] });
    checks.sync([target('192.0.2.1')]);
    for (let i = 0; i < 4; i++) await time.advance(100);
    expect(changes).toEqual(['VIP 192.0.2.1 80 up', 'VIP 192.0.2.1 80 down']);
    expect(checks.snapshot().get('192.0.2.1 80')?.lastReason).toBe('timeout');
    await checks.stop();
  });

  it('keeps a VIP seeded down until it passes rise checks', async () => {
    const { time, checks, changes } = setup({});
    checks.seed('192.0.2.1 80', { state: 'down', consecutiveOk: 0, consecutiveFail: 0 });
    checks.sync([target('192.0.2.1')]);
    await time.advance(0);
    expect(checks.snapshot().get('192.0.2.1 80')?.state).toBe('down');
    await time.advance(100);
    expect(changes).toEqual(['VIP 192.0.2.1 80 up']);
    await checks.stop();
  });

  it('stops checking and forgets a VIP the site no longer has', async () => {
    const { time, checks, probed } = setup({});
    checks.sync([target('192.0.2.1'), target('192.0.2.2')]);
    await time.advance(100);
    checks.sync([target('192.0.2.2')]);
    const before = probed.filter((v) => v === '192.0.2.1').length;
    await time.advance(100);
    await time.advance(100);
    expect(probed.filter((v) => v === '192.0.2.1').length).toBe(before);
    expect(checks.snapshot().has('192.0.2.1 80')).toBe(false);
    await checks.stop();
  });

  it('checks no more once stopped', async () => {
    const { time, checks, probed } = setup({});
    checks.sync([target('192.0.2.1')]);
    await time.advance(0);
    await checks.stop();
    const count = probed.length;
    await time.advance(500);
    expect(probed.length).toBe(count);
  });
});
