// Sockets the agent serves (the status endpoint, agent-check), owned: the
// applier keeps what it bound and makes it match the whole desired set.
// A new address or port is bound before the old one closes, and the old one
// can linger: when a backend's agent-check port changes, every L7 node's
// HAProxy moves to the new port at its own reload, so the backend answers on
// both until they all have, and none marks it down in between.
import type { Clock } from '../ports/clock.js';

export interface Endpoint {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
}

export interface OpenListener {
  /** The port bound: the requested one, or the one picked for 0. */
  readonly port: number;
  close(): Promise<void>;
}

export type Opener = (endpoint: Endpoint) => Promise<OpenListener>;

export interface ListenerApplyResult {
  readonly ok: boolean;
  /** One line per endpoint that could not be bound; the ones bound before stay. */
  readonly errors: readonly string[];
  /** When a lingering listener is due to close: the caller applies again then. */
  readonly wakeAt?: number;
}

interface Bound {
  readonly endpoint: Endpoint;
  readonly listener: OpenListener;
  closeAt?: number;
}

const keyOf = (e: Endpoint): string => `${e.host} ${e.port}`;
const textOf = (e: Endpoint): string => (e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`);

export class ListenerSet {
  private readonly bound = new Map<string, Bound>();

  constructor(private readonly open: Opener, private readonly clock: Clock, private readonly lingerMs: number) {}

  /** What is bound now, lingering ones included, with the ports actually bound. */
  endpoints(): Endpoint[] {
    return [...this.bound.values()].map((b) => ({ host: b.endpoint.host, port: b.listener.port }));
  }

  /** The port bound for `endpoint` (the picked one for port 0). */
  portOf(endpoint: Endpoint): number | undefined {
    return this.bound.get(keyOf(endpoint))?.listener.port;
  }

  async apply(desired: readonly Endpoint[]): Promise<ListenerApplyResult> {
    const wanted = new Map(desired.map((e) => [keyOf(e), e]));
    const errors: string[] = [];
    for (const [key, endpoint] of wanted) {
      const have = this.bound.get(key);
      if (have) {
        delete have.closeAt;
        continue;
      }
      try {
        this.bound.set(key, { endpoint, listener: await this.open(endpoint) });
      } catch (err) {
        errors.push(`cannot listen on ${textOf(endpoint)}: ${(err as Error).message}`);
      }
    }
    await this.retire(wanted);
    const due = [...this.bound.values()].flatMap((b) => (b.closeAt !== undefined ? [b.closeAt] : []));
    return { ok: errors.length === 0, errors, ...(due.length > 0 ? { wakeAt: Math.min(...due) } : {}) };
  }

  async closeAll(): Promise<void> {
    const all = [...this.bound.values()];
    this.bound.clear();
    await Promise.all(all.map((b) => b.listener.close()));
  }

  /** Listeners no longer wanted linger for lingerMs, then close. */
  private async retire(wanted: ReadonlyMap<string, Endpoint>): Promise<void> {
    const now = this.clock.now();
    for (const [key, b] of this.bound) {
      if (wanted.has(key)) continue;
      b.closeAt ??= now + this.lingerMs;
      if (b.closeAt > now) continue;
      this.bound.delete(key);
      await b.listener.close();
    }
  }
}
