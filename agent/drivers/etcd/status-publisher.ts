// Each agent's status report, written to PREFIX/agents/NODE so that
// `tierlb status --site` sees the whole site from anywhere etcd is reachable,
// without a route to every node's status endpoint. A report is written when
// it changed (at most every PUBLISH_MS) and otherwise every HEARTBEAT_MS,
// stamped with the time, so a reader tells a live report from the last words
// of an agent that stopped or was cut off.
import { isDeepStrictEqual } from 'node:util';
import type { Etcd3 } from 'etcd3';
import type { EtcdSettings } from '../../../site/index.js';
import { agentKey } from '../../../fleet/keys.js';
import type { StatusReport } from '../../observe/status.js';
import { connectEtcd } from './connect.js';

export const PUBLISH_MS = 5000;
export const HEARTBEAT_MS = 15_000;

export interface PublishedReport {
  readonly publishedAt: string;
  readonly report: StatusReport;
}

export class StatusPublisher {
  private settings: EtcdSettings | undefined;
  private client: Etcd3 | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last: { readonly report: unknown; readonly at: number } | undefined;
  private busy = false;

  constructor(private readonly node: string, private readonly report: () => Promise<StatusReport>, private readonly connect: (s: EtcdSettings) => Promise<Etcd3> = connectEtcd) {}

  follow(settings: EtcdSettings | undefined): void {
    if (isDeepStrictEqual(settings, this.settings)) return;
    this.close();
    this.settings = settings;
    if (!settings) return;
    this.timer = setInterval(() => void this.tick(), PUBLISH_MS);
    this.timer.unref();
    void this.tick();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.client?.close();
    this.client = undefined;
    this.last = undefined;
  }

  private async tick(): Promise<void> {
    const settings = this.settings;
    if (!settings || this.busy) return;
    this.busy = true;
    try {
      const full = await this.report();
      const report = withoutClock(full);
      const now = Date.now();
      if (this.last && isDeepStrictEqual(this.last.report, report) && now - this.last.at < HEARTBEAT_MS) return;
      this.client ??= await this.connect(settings);
      const value: PublishedReport = { publishedAt: new Date(now).toISOString(), report: full };
      await this.client.put(agentKey(settings.prefix, this.node)).value(JSON.stringify(value));
      this.last = { report, at: now };
    } catch {
      // The fleet feed says when etcd is unreachable; a new client is made on the next tick.
      this.client?.close();
      this.client = undefined;
    } finally {
      this.busy = false;
    }
  }
}

/**
 * What changes on every routine turn or every connection, and is not news:
 * the turn's time, the connection counts. A report that differs only there
 * waits for the heartbeat; every agent of a site writing on each new
 * connection would keep etcd (and, in the lab, the one CPU) busy.
 */
function withoutClock(r: StatusReport): unknown {
  return {
    ...r,
    lastTurn: r.lastTurn ? { outcome: r.lastTurn.outcome, reasons: r.lastTurn.reasons } : undefined,
    services: r.services.map((s) => ({ ...s, realServers: s.realServers.map((rs) => ({ ...rs, activeConns: null, inactiveConns: null })) })),
  };
}
