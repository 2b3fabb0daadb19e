// systemd's notify protocol as text (sd_notify(3)): newline-separated
// KEY=VALUE assignments in one datagram, to the socket $NOTIFY_SOCKET names.
import type { ServiceMessage } from '../../ports/service-manager.js';

/** STATUS= is one line of free text; systemd shows it, so it is kept short. */
const STATUS_MAX = 200;

/**
 * The assignments of one message. A reload also carries the monotonic clock
 * (MONOTONIC_USEC, which systemd 253 and later ask for with RELOADING=1 and
 * older ones ignore), so the manager can tell this reload from a later one.
 */
export function notifyAssignments(m: ServiceMessage, monotonicUsec: bigint): string[] {
  return [
    ...(m.reloading ? ['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec}`] : []),
    ...(m.stopping ? ['STOPPING=1'] : []),
    ...(m.ready ? ['READY=1'] : []),
    ...(m.status !== undefined ? [`STATUS=${statusLine(m.status)}`] : []),
  ];
}

/** A status as one line: a newline would end the assignment and start a bogus one. */
export function statusLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= STATUS_MAX ? line : `${line.slice(0, STATUS_MAX - 1)}…`;
}

export type NotifySocket =
  | { readonly kind: 'none' }
  | { readonly kind: 'socket'; readonly address: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** sun_path holds 108 bytes with its NUL; an abstract name has no NUL but its leading "@" stands for one. */
const SUN_PATH_MAX = 107;

/** $NOTIFY_SOCKET: an absolute path, or "@name" in the abstract namespace. */
export function notifySocketOf(value: string | undefined): NotifySocket {
  if (value === undefined || value === '') return { kind: 'none' };
  if (!value.startsWith('/') && !value.startsWith('@')) {
    return { kind: 'invalid', reason: `NOTIFY_SOCKET: expected an absolute path or @name, got ${JSON.stringify(value)}` };
  }
  if (Buffer.byteLength(value) > SUN_PATH_MAX) {
    return { kind: 'invalid', reason: `NOTIFY_SOCKET: expected at most ${SUN_PATH_MAX} bytes, got ${Buffer.byteLength(value)}` };
  }
  return { kind: 'socket', address: value };
}
