import { describe, expect, it } from 'vitest';
import type { Clock } from '../ports/clock.js';
import type { MonitorReply } from './l7-monitor-reply.js';
import { L7Monitor, type HealthChange } from './l7-monitor.js';
import type { L7CheckTarget } from './l7-monitor-targets.js';

/** Lets the loop run what is ready now, without moving the clock. */
const settle = async (): Promise<void> => { for (let i = 0; i < 10; i++) await Promise.resolve(); };

/** A clock whose sleeps wait until the test moves it (`tick`); an aborted sleep ends at once. */
function fakeClock() {
  let now = 0;
  const sleepers: { until: number; wake: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms, signal) => new Promise<void>((resolve) => {
      sleepers.push({ until: now + ms, wake: resolve });
      signal?.addEventListener('abort', () => resolve(), { once: true });
    }),
  };
  const tick = async (ms: number): Promise<void> => {
    now += ms;
    for (const s of sleepers.splice(0)) if (s.until <= now) s.wake(); else sleepers.push(s);
    await settle();
  };
  return { clock, tick };
}

/** A monitor on the fake clock; each fetch answers from a script. */
function harness(replies: MonitorReply[], stalled: [string, number][] = []) {
  const { clock, tick } = fakeClock();
  const changes: HealthChange[][] = [];
  let fetches = 0;
  const monitor = new L7Monitor({
    clock, onChange: (c) => changes.push([...c]), onStalled: (l7, ms) => stalled.push([l7, ms]),
    fetch: async () => replies[Math.min(fetches++, replies.length - 1)] ?? { kind: 'timeout' },
  });
  return { monitor, changes, tick, settle, fetched: () => fetches };
}

const target: L7CheckTarget = { l7: 'l7-1', address: '10.0.1.31', port: 9100, path: '/tierlb/health/_all', intervalMs: 1000, timeoutMs: 500, services: { web: { rise: 2, fall: 2 } } };
const up: MonitorReply = { kind: 'answer', status: 200, body: 'web=2 ' };

describe('L7Monitor', () => {
  it('reports a change only when a state changes, after rise checks', async () => {
    const h = harness([up, up, up]);
    await h.monitor.sync([target]);
    await h.tick(0);
    expect(h.changes).toEqual([]);
    await h.tick(1000);
    expect(h.changes).toEqual([[{ key: 'l7-1/web', from: 'unknown', to: 'up' }]]);
    await h.tick(1000);
    expect(h.changes).toHaveLength(1);
    expect(h.monitor.snapshot().get('l7-1/web')?.state).toBe('up');
    await h.monitor.stop();
  });

  it('ramps none of the L7 nodes of its first sync: they are learned, not back', async () => {
    const h = harness([up, up]);
    await h.monitor.sync([target]);
    await h.tick(0);
    await h.tick(1000);
    expect(h.monitor.snapshot().get('l7-1/web')).not.toHaveProperty('returnedAt');
    await h.monitor.stop();
  });

  it('treats an L7 node appended to a running site as joining: its coming up is a return', async () => {
    const h = harness([up, up, up, up]);
    await h.monitor.sync([target]);
    await h.tick(0);
    const joiner: L7CheckTarget = { ...target, l7: 'l7-5', address: '10.0.1.35' };
    await h.monitor.sync([target, joiner]);
    expect(h.monitor.snapshot().get('l7-5/web')?.joining).toBe(true);
    await h.tick(0);
    await h.tick(1000);
    expect(h.monitor.snapshot().get('l7-5/web')).toMatchObject({ state: 'up', returnedAt: 1000 });
    expect(h.monitor.snapshot().get('l7-1/web')).not.toHaveProperty('returnedAt');
    await h.monitor.stop();
  });

  it('keeps an up L7 node up through checks this agent ran too late to judge, and says so', async () => {
    const stalled: [string, number][] = [];
    const late: MonitorReply = { kind: 'stalled', lateMs: 1200 };
    const h = harness([up, up, late, late, late, up], stalled);
    await h.monitor.sync([target]);
    for (let i = 0; i < 6; i++) await h.tick(i === 0 ? 0 : 1000);
    expect(h.changes).toEqual([[{ key: 'l7-1/web', from: 'unknown', to: 'up' }]]);
    expect(stalled).toEqual([['l7-1', 1200], ['l7-1', 1200], ['l7-1', 1200]]);
    await h.monitor.stop();
  });

  it('checks at once when hinted, and an explicit maintenance answer takes the node down without waiting for fall', async () => {
    const drained: MonitorReply = { kind: 'answer', status: 503, body: '' };
    const h = harness([up, up, drained]);
    await h.monitor.sync([target]);
    await h.tick(0);
    await h.tick(1000);
    await h.tick(200);
    expect(h.fetched()).toBe(2);
    expect(h.monitor.checkNow('l7-1')).toBe(true);
    await h.settle();
    expect(h.fetched()).toBe(3);
    expect(h.changes.at(-1)).toEqual([{ key: 'l7-1/web', from: 'up', to: 'down', reason: 'HTTP 503: L7 node in maintenance (enabler down)' }]);
    await h.monitor.stop();
  });

  it('follows a check in flight with another when hinted during it, and spaces hinted checks', async () => {
    let answer: (r: MonitorReply) => void = () => undefined;
    let fetches = 0;
    const { clock, tick } = fakeClock();
    const monitor = new L7Monitor({ clock, onChange: () => undefined, fetch: () => { fetches++; return new Promise((r) => { answer = r; }); } });
    await monitor.sync([target]);
    await settle();
    expect(fetches).toBe(1);
    for (let i = 0; i < 50; i++) monitor.checkNow('l7-1');
    await tick(30);
    answer(up);
    await settle();
    // The hints came while the check was out: one more check, not before MIN_RECHECK_MS since the last began.
    expect(fetches).toBe(1);
    await tick(70);
    expect(fetches).toBe(2);
    answer(up);
    await settle();
    expect(fetches).toBe(2);
    expect(monitor.checkNow('l7-9')).toBe(false);
    await monitor.stop();
  });

  it('takes an L7 node down at the first refused connection', async () => {
    const h = harness([up, up, { kind: 'refused' }]);
    await h.monitor.sync([target]);
    await h.tick(0);
    await h.tick(1000);
    await h.tick(1000);
    expect(h.changes.at(-1)).toEqual([{ key: 'l7-1/web', from: 'up', to: 'down', reason: 'connection refused' }]);
    await h.monitor.stop();
  });

  it('keeps the last health after stop, and forgets an L7 node that left the site', async () => {
    const h = harness([up, up]);
    await h.monitor.sync([target]);
    await h.tick(0);
    await h.tick(1000);
    await h.monitor.stop();
    expect(h.monitor.snapshot().get('l7-1/web')?.state).toBe('up');
    await h.monitor.sync([target]);
    await h.monitor.sync([]);
    expect(h.monitor.snapshot().size).toBe(0);
  });

  it('keeps what it knew of a service when a service is added to the same L7 node', async () => {
    const h = harness([up, up, { kind: 'answer', status: 200, body: 'web=2 api=2 ' }]);
    await h.monitor.sync([target]);
    await h.tick(0);
    await h.tick(1000);
    expect(h.monitor.snapshot().get('l7-1/web')?.state).toBe('up');
    await h.monitor.sync([{ ...target, services: { ...target.services, api: { rise: 2, fall: 2 } } }]);
    expect(h.monitor.snapshot().get('l7-1/web')?.state).toBe('up');
    expect(h.monitor.snapshot().get('l7-1/api')?.state ?? 'unknown').toBe('unknown');
    await h.monitor.stop();
  });

  it('forgets what it knew when the L7 node is checked at another address', async () => {
    const h = harness([up, up]);
    await h.monitor.sync([target]);
    await h.tick(0);
    await h.tick(1000);
    await h.monitor.sync([{ ...target, address: '10.0.1.99' }]);
    expect(h.monitor.snapshot().get('l7-1/web')?.state ?? 'unknown').toBe('unknown');
    await h.monitor.stop();
  });

  it('checks at once when the watch connection of an answering node ends; a short-lived one is replaced only an interval after', async () => {
    const refused: MonitorReply = { kind: 'refused' };
    const { clock, tick } = fakeClock();
    const changes: HealthChange[][] = [];
    const closers: (() => void)[] = [];
    let unwatched = 0;
    let fetches = 0;
    const replies = [up, up, refused, up];
    const monitor = new L7Monitor({
      clock, onChange: (c) => changes.push([...c]),
      fetch: async () => replies[Math.min(fetches++, replies.length - 1)] ?? refused,
      watch: (_t, closed) => { closers.push(closed); return () => { unwatched++; }; },
    });
    await monitor.sync([target]);
    await tick(0);
    expect(closers).toHaveLength(1);
    await tick(1000);
    // One watch at a time: the second answer finds it open.
    expect(closers).toHaveLength(1);
    expect(changes.at(-1)?.[0]?.to).toBe('up');
    await tick(300);
    closers[0]?.();
    await settle();
    expect(fetches).toBe(3);
    expect(changes.at(-1)).toEqual([{ key: 'l7-1/web', from: 'up', to: 'down', reason: 'connection refused' }]);
    // Back at the next interval: watched again. A watch that ends at once brings one check, and no new watch for an interval.
    await tick(1000);
    expect(fetches).toBe(4);
    expect(closers).toHaveLength(2);
    closers[1]?.();
    await tick(100);
    expect(fetches).toBe(5);
    expect(closers).toHaveLength(2);
    await tick(1000);
    expect(fetches).toBe(6);
    expect(closers).toHaveLength(3);
    // A watch that lived longer than an interval (HAProxy's idle timeout) is replaced at the check its end brings.
    await tick(1500);
    const before = fetches;
    closers[2]?.();
    await tick(100);
    expect(fetches).toBe(before + 1);
    expect(closers).toHaveLength(4);
    await monitor.stop();
    expect(unwatched).toBe(1);
  });
});
