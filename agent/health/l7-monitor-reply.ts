// What one answer of an L7 node's `_all` monitor URI means for each service
// it serves. HAProxy answers 503 while the node's enabler is down (the node
// is in maintenance: every service fails), and otherwise 200 with a body of
// `name=N ` words, N being the usable servers of that service's backend.
// Pure: the request itself happens in l7-monitor-fetch.ts.
import type { CheckOutcome } from '../../tiers/l4/health.js';

/** The transport-level result of one request. */
export type MonitorReply =
  | { readonly kind: 'answer'; readonly status: number; readonly body: string }
  | { readonly kind: 'refused' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'stalled'; readonly lateMs: number }
  | { readonly kind: 'error'; readonly reason: string };

const WORD = /^([A-Za-z0-9][A-Za-z0-9_.-]*)=(\d{1,6})$/;

/**
 * `web=2 api=0 ` → web → 2, api → 0. Words that are not `name=count` are
 * ignored (a safe reading of a body we did not expect), so a service the
 * body does not name reads as missing, which fails its check.
 */
export function parseAllBody(body: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of body.split(/\s+/)) {
    const m = WORD.exec(word);
    if (m?.[1] !== undefined && m[2] !== undefined) counts.set(m[1], Number(m[2]));
  }
  return counts;
}

/** One outcome per service; a transport failure or a non-200 answer fails every service alike. */
export function outcomesOf(reply: MonitorReply, services: readonly string[]): Map<string, CheckOutcome> {
  const all = (o: CheckOutcome): Map<string, CheckOutcome> => new Map(services.map((s) => [s, o]));
  switch (reply.kind) {
    case 'refused':
    case 'reset':
    case 'timeout':
      return all({ kind: reply.kind });
    case 'stalled':
      return all({ kind: 'stalled', lateMs: reply.lateMs });
    case 'error':
      return all({ kind: 'fail', reason: reply.reason });
    case 'answer':
      break;
  }
  if (reply.status === 503) return all({ kind: 'maintenance', reason: 'HTTP 503: L7 node in maintenance (enabler down)' });
  if (reply.status !== 200) return all({ kind: 'fail', reason: `HTTP ${reply.status}, expected 200` });
  const counts = parseAllBody(reply.body);
  return new Map(services.map((s): [string, CheckOutcome] => {
    const n = counts.get(s);
    if (n === undefined) return [s, { kind: 'fail', reason: `monitor body does not name service ${s}` }];
    return [s, n > 0 ? { kind: 'ok' } : { kind: 'fail', reason: `no usable server for ${s} on this L7 node` }];
  }));
}
