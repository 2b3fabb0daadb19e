import { describe, expect, it } from 'vitest';
import { notifyAssignments, notifySocketOf, statusLine } from './message.js';

describe('notifyAssignments', () => {
  it('puts RELOADING=1 with the monotonic clock first, READY=1 after STOPPING=1, and STATUS= last', () => {
    expect(notifyAssignments({ reloading: true, status: 'reloading' }, 5n)).toEqual(['RELOADING=1', 'MONOTONIC_USEC=5', 'STATUS=reloading']);
    expect(notifyAssignments({ ready: true }, 5n)).toEqual(['READY=1']);
    expect(notifyAssignments({ stopping: true, status: 'draining' }, 5n)).toEqual(['STOPPING=1', 'STATUS=draining']);
  });
});

describe('statusLine', () => {
  it('keeps a status on one line, so no text becomes an assignment of its own', () => {
    expect(statusLine('site file refused:\nREADY=1\n  x')).toBe('site file refused: READY=1 x');
  });

  it('shortens a long status to 200 characters', () => {
    const line = statusLine('x'.repeat(500));
    expect(line).toHaveLength(200);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('notifySocketOf', () => {
  it('takes an absolute path or an abstract @name', () => {
    expect(notifySocketOf('/run/systemd/notify')).toEqual({ kind: 'socket', address: '/run/systemd/notify' });
    expect(notifySocketOf('@/org/freedesktop/systemd1/notify/1')).toEqual({ kind: 'socket', address: '@/org/freedesktop/systemd1/notify/1' });
  });

  it('finds none when the variable is unset or empty', () => {
    expect(notifySocketOf(undefined)).toEqual({ kind: 'none' });
    expect(notifySocketOf('')).toEqual({ kind: 'none' });
  });

  it('refuses a relative path and one longer than a unix socket address holds', () => {
    expect(notifySocketOf('notify')).toEqual({ kind: 'invalid', reason: 'NOTIFY_SOCKET: expected an absolute path or @name, got "notify"' });
    expect(notifySocketOf(`/${'a'.repeat(107)}`)).toEqual({ kind: 'invalid', reason: 'NOTIFY_SOCKET: expected at most 107 bytes, got 108' });
  });
});
