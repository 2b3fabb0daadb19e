// How a long-lived flow ended, and the summary of many. Pure: the client
// classifies what the socket and the response told it; the bench compares
// summaries across scenarios.

export type FlowEnd =
  /** Every byte the server announced arrived. */
  | 'complete'
  /** The peer sent an RST (ECONNRESET, EPIPE). */
  | 'reset'
  /** No byte for longer than the idle limit, or no connection in time. */
  | 'timeout'
  /** The connection closed cleanly before Content-Length bytes arrived. */
  | 'short-read'
  /** An answer, but not 200. */
  | 'http-error'
  /** SYN refused: nothing listened. */
  | 'refused'
  /** Anything else (no route, bad answer): kept apart so it is not mistaken for a reset. */
  | 'other';

export interface FlowResult {
  readonly target: string;
  readonly source: string;
  readonly end: FlowEnd;
  readonly bytes: number;
  readonly expectedBytes: number | null;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Which server answered (the `X-Served-By` header), when it said. */
  readonly servedBy?: string;
  readonly detail?: string;
}

/** Maps a Node socket/HTTP error code to how the flow ended. */
export function endOfError(code: string | undefined): FlowEnd {
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
    case 'TIERLB_IDLE':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'refused';
    default:
      return 'other';
  }
}

/** How a response that ended without an error ended. */
export function endOfResponse(status: number, bytes: number, expectedBytes: number | null): FlowEnd {
  if (status !== 200) return 'http-error';
  if (expectedBytes !== null && bytes < expectedBytes) return 'short-read';
  return 'complete';
}

export interface FlowSummary {
  readonly flows: number;
  readonly complete: number;
  readonly broken: number;
  readonly byEnd: Readonly<Record<FlowEnd, number>>;
  readonly byTarget: Readonly<Record<string, { readonly flows: number; readonly broken: number }>>;
  readonly servedBy: Readonly<Record<string, number>>;
  readonly bytes: number;
  readonly firstStart: number | null;
  readonly lastEnd: number | null;
}

const ENDS: readonly FlowEnd[] = ['complete', 'reset', 'timeout', 'short-read', 'http-error', 'refused', 'other'];

export function summarize(results: readonly FlowResult[]): FlowSummary {
  const byEnd = Object.fromEntries(ENDS.map((e) => [e, 0])) as Record<FlowEnd, number>;
  const byTarget: Record<string, { flows: number; broken: number }> = {};
  const servedBy: Record<string, number> = {};
  let bytes = 0;
  for (const r of results) {
    byEnd[r.end]++;
    const t = (byTarget[r.target] ??= { flows: 0, broken: 0 });
    t.flows++;
    if (r.end !== 'complete') t.broken++;
    if (r.servedBy !== undefined) servedBy[r.servedBy] = (servedBy[r.servedBy] ?? 0) + 1;
    bytes += r.bytes;
  }
  const sortedKeys = <V>(o: Record<string, V>): Record<string, V> => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k] as V]));
  return {
    flows: results.length,
    complete: byEnd.complete,
    broken: results.length - byEnd.complete,
    byEnd,
    byTarget: sortedKeys(byTarget),
    servedBy: sortedKeys(servedBy),
    bytes,
    firstStart: results.length === 0 ? null : Math.min(...results.map((r) => r.startedAt)),
    lastEnd: results.length === 0 ? null : Math.max(...results.map((r) => r.endedAt)),
  };
}
