import { describe, expect, it } from 'vitest';
import { rollTimers } from './rolling-timers.js';

const OLD = { holdSeconds: 9, keepaliveSeconds: 3, connectRetrySeconds: 1 };
const NEW = { holdSeconds: 12, keepaliveSeconds: 4, connectRetrySeconds: 1 };
const SESSIONS = ['bgp_rr_1_ipv4', 'bgp_rr_1_ipv6', 'bgp_rr_2_ipv4', 'bgp_rr_2_ipv6'];
const all = (t: typeof OLD) => new Map(SESSIONS.map((s) => [s, t]));
const up = (...except: string[]) => new Set(SESSIONS.filter((s) => !except.includes(s)));

describe('rollTimers', () => {
  it('gives every session the site\'s timers when they already run them', () => {
    const r = rollTimers(SESSIONS, NEW, all(NEW), up());
    expect([...r.timers.values()].every((t) => t === NEW)).toBe(true);
    expect(r.pending).toBe(0);
  });

  it('moves one session at a time to new timers', () => {
    const r = rollTimers(SESSIONS, NEW, all(OLD), up());
    expect(SESSIONS.map((s) => r.timers.get(s)?.holdSeconds)).toEqual([12, 9, 9, 9]);
    expect(r.pending).toBe(3);
  });

  it('moves the next session only once the one that restarted is established again', () => {
    const running = new Map([...all(OLD), ['bgp_rr_1_ipv4', NEW]]);
    expect(rollTimers(SESSIONS, NEW, running, up('bgp_rr_1_ipv4')).pending).toBe(3);
    expect(SESSIONS.map((s) => rollTimers(SESSIONS, NEW, running, up()).timers.get(s)?.holdSeconds)).toEqual([12, 12, 9, 9]);
  });

  it('moves nothing while another session is down, so no second session restarts beside it', () => {
    const r = rollTimers(SESSIONS, NEW, all(OLD), up('bgp_rr_2_ipv6'));
    expect([...r.timers.values()].every((t) => t === OLD)).toBe(true);
  });

  it('starts a new session on the site\'s timers', () => {
    const running = new Map([...all(OLD)].filter(([s]) => s !== 'bgp_rr_2_ipv6'));
    expect(rollTimers(SESSIONS, NEW, running, up('bgp_rr_2_ipv6')).timers.get('bgp_rr_2_ipv6')).toBe(NEW);
  });
});
