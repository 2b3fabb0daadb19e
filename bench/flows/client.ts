// Many concurrent long-lived HTTP downloads from many source addresses, each
// classified by how it ended. The server paces the bytes (the lab's servers
// serve a slow download), so a flow stays open for seconds while a scenario
// changes the site under it. Bounded: a total count of flows and a deadline.
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { endOfError, endOfResponse, type FlowEnd, type FlowResult } from './outcome.js';

export interface FlowsOptions {
  /** URLs to download, e.g. `http://198.51.100.1/download?bytes=200000&ms=10000`; flows go round-robin. */
  readonly targets: readonly string[];
  /** Local addresses to connect from; a flow uses the next one of its target's family. */
  readonly sources: readonly string[];
  /** Flows to run in all. */
  readonly flows: number;
  /** Flows open at once. */
  readonly concurrency: number;
  /** A flow with no byte for this long ends as `timeout`. */
  readonly idleTimeoutMs: number;
  /** No flow starts after this; flows still open at deadline + idle are cut and counted as `timeout`. */
  readonly deadlineMs: number;
  readonly onResult?: (r: FlowResult) => void;
  /** Stop starting flows (the ones open finish). */
  readonly signal?: AbortSignal;
}

const isV6 = (address: string): boolean => address.includes(':');

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

export function checkFlowsOptions(o: FlowsOptions): void {
  const problems: string[] = [];
  if (o.targets.length === 0) problems.push('expected at least one target URL');
  if (!Number.isInteger(o.flows) || o.flows < 1 || o.flows > 100000) problems.push(`expected flows from 1 to 100000, got ${o.flows}`);
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 5000) problems.push(`expected concurrency from 1 to 5000, got ${o.concurrency}`);
  if (!(o.idleTimeoutMs > 0)) problems.push(`expected a positive idle timeout, got ${o.idleTimeoutMs}`);
  if (!(o.deadlineMs > 0)) problems.push(`expected a positive deadline, got ${o.deadlineMs}`);
  for (const t of o.targets) {
    let url: URL;
    try {
      url = new URL(t);
    } catch {
      problems.push(`expected an http:// URL, got ${JSON.stringify(t)}`);
      continue;
    }
    if (url.protocol !== 'http:') problems.push(`expected an http:// URL, got ${JSON.stringify(t)}`);
    else if (o.sources.length > 0 && !o.sources.some((s) => isV6(s) === isV6(hostOf(url)))) problems.push(`no source address of the family of ${t}`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** Runs the flows; resolves with every result once all have ended. */
export async function runFlows(o: FlowsOptions): Promise<FlowResult[]> {
  checkFlowsOptions(o);
  const start = Date.now();
  const results: FlowResult[] = [];
  const v4 = o.sources.filter((s) => !isV6(s));
  const v6 = o.sources.filter(isV6);
  let next = 0;
  const pickSource = (target: URL, i: number): string | undefined => {
    const pool = isV6(hostOf(target)) ? v6 : v4;
    return pool.length === 0 ? undefined : pool[i % pool.length];
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= o.flows || o.signal?.aborted || Date.now() - start > o.deadlineMs) return;
      const target = o.targets[i % o.targets.length] as string;
      const url = new URL(target);
      const r = await oneFlow(url, pickSource(url, Math.floor(i / o.targets.length)), o.idleTimeoutMs, start + o.deadlineMs + o.idleTimeoutMs);
      results.push(r);
      o.onResult?.(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.flows) }, worker));
  return results;
}

function oneFlow(url: URL, source: string | undefined, idleMs: number, hardEnd: number): Promise<FlowResult> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    let bytes = 0;
    let expected: number | null = null;
    let servedBy: string | undefined;
    let socketError: string | undefined;
    let cut: 'idle' | 'deadline' | undefined;
    let done = false;
    const finish = (end: FlowEnd, detail?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(hard);
      resolve({
        target: url.href, source: source ?? 'default', end, bytes, expectedBytes: expected, startedAt, endedAt: Date.now(),
        ...(servedBy !== undefined ? { servedBy } : {}), ...(detail !== undefined ? { detail } : {}),
      });
    };
    const req = request(url, { agent: false, timeout: idleMs, ...(source !== undefined ? { localAddress: source } : {}) });
    const hard = setTimeout(() => {
      cut = 'deadline';
      req.destroy();
    }, Math.max(0, hardEnd - startedAt));
    req.on('socket', (s: Socket) => s.on('error', (e: NodeJS.ErrnoException) => { socketError ??= e.code; }));
    req.on('timeout', () => {
      cut = 'idle';
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (cut) finish('timeout', cut);
      else finish(endOfError(socketError ?? e.code), e.code ?? e.message);
    });
    req.on('response', (res) => {
      const length = Number(res.headers['content-length']);
      expected = Number.isFinite(length) ? length : null;
      const by = res.headers['x-served-by'];
      if (typeof by === 'string' && /^[\w.:-]{1,64}$/.test(by)) servedBy = by;
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      res.on('error', () => undefined);
      res.on('close', () => {
        if (res.complete) finish(endOfResponse(res.statusCode ?? 0, bytes, expected));
        else if (cut) finish('timeout', cut);
        else if (socketError) finish(endOfError(socketError), socketError);
        else finish('short-read');
      });
    });
    req.end();
  });
}
