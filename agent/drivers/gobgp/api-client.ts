// One long-lived gRPC connection to a gobgpd's API, made on first use. A
// call costs a round trip on loopback where a `gobgp` run costs a process
// start (hundreds of milliseconds on a busy one-CPU node).
//
// A gobgpd that restarted is a new process on the same address: its owner
// says so with `follow(pid)`, and the next call opens a fresh channel rather
// than wait out gRPC's reconnect backoff on the old one. An UNAVAILABLE
// answer drops the channel for the same reason. Every call has a deadline,
// so a gobgpd that hangs holds the one writer for seconds, not for ever.
import type * as Grpc from '@grpc/grpc-js';
import type { AddPathRequest, DeletePathRequest, ListPathRequest, Reading } from '../../../tiers/ecmp/index.js';
import { loadGobgpDefinitions, oneLine, type GobgpDefinitions } from './api-definitions.js';
import type { GobgpApiPort } from './api-port.js';

export const GOBGP_API_DEADLINE_MS = 5000;
/** More answers than this from one stream is not a table the agent wrote: the reading stops there. */
const MAX_STREAM_ANSWERS = 100_000;
/** grpc status UNAVAILABLE: nothing listens, or the connection broke. */
const UNAVAILABLE = 14;

export interface GobgpApiOptions {
  readonly deadlineMs?: number;
  /** The .proto files' folder; tests point it elsewhere. */
  readonly protoDir?: string;
}

type Callback = (error: Grpc.ServiceError | null, answer?: unknown) => void;
type Unary = (request: unknown, options: Grpc.CallOptions, callback: Callback) => Grpc.ClientUnaryCall;
type Streaming = (request: unknown, options: Grpc.CallOptions) => Grpc.ClientReadableStream<unknown>;

/** host:port as gRPC names it, an IPv6 host in brackets. */
export function apiAddress(api: { readonly host: string; readonly port: number }): string {
  return api.host.includes(':') ? `[${api.host}]:${api.port}` : `${api.host}:${api.port}`;
}

export class GobgpApiConnection implements GobgpApiPort {
  private definitions: Promise<Reading<GobgpDefinitions>> | undefined;
  private client: Grpc.Client | undefined;
  private pid: number | undefined;
  private closed = false;

  constructor(private readonly api: { readonly host: string; readonly port: number }, private readonly options: GobgpApiOptions = {}) {}

  get address(): string {
    return apiAddress(this.api);
  }

  /** The gobgpd process now behind the address: another one than before gets a fresh channel. */
  follow(pid: number | undefined): void {
    if (pid !== this.pid) this.drop();
    this.pid = pid;
  }

  /** Loads the definitions ahead of the first call (they take a while to parse on a slow node). */
  async warm(): Promise<Reading<void>> {
    const d = await this.load();
    return d.ok ? { ok: true, value: undefined } : d;
  }

  addPath(request: AddPathRequest): Promise<Reading<void>> {
    return this.unary('AddPath', request).then((r) => (r.ok ? { ok: true, value: undefined } : r));
  }

  deletePath(request: DeletePathRequest): Promise<Reading<void>> {
    return this.unary('DeletePath', request).then((r) => (r.ok ? { ok: true, value: undefined } : r));
  }

  listPath(request: ListPathRequest): Promise<Reading<unknown[]>> {
    return this.streaming('ListPath', request);
  }

  getBgp(): Promise<Reading<unknown>> {
    return this.unary('GetBgp', {});
  }

  listPeer(): Promise<Reading<unknown[]>> {
    return this.streaming('ListPeer', {});
  }

  /** Closes the channel; a call after this answers an error. */
  close(): void {
    this.closed = true;
    this.drop();
  }

  private async unary(method: string, request: unknown): Promise<Reading<unknown>> {
    const client = await this.connect();
    if (!client.ok) return client;
    const call = method[0]?.toLowerCase() + method.slice(1);
    const fn = (client.value as unknown as Record<string, Unary>)[call];
    if (typeof fn !== 'function') return { ok: false, error: `gobgpd API ${this.address}: the loaded definitions have no ${method}` };
    return new Promise((resolve) => {
      try {
        fn.call(client.value, request, this.callOptions(), (error, answer) => {
          resolve(error ? this.failed(method, error) : { ok: true, value: answer });
        });
      } catch (error) {
        // protobufjs throws here when a request does not fit the message (a bug of ours, not of gobgpd).
        resolve({ ok: false, error: `gobgpd API ${this.address} ${method}: cannot encode the request: ${oneLine(error)}` });
      }
    });
  }

  private async streaming(method: string, request: unknown): Promise<Reading<unknown[]>> {
    const client = await this.connect();
    if (!client.ok) return client;
    const call = method[0]?.toLowerCase() + method.slice(1);
    const fn = (client.value as unknown as Record<string, Streaming>)[call];
    if (typeof fn !== 'function') return { ok: false, error: `gobgpd API ${this.address}: the loaded definitions have no ${method}` };
    return new Promise((resolve) => {
      const answers: unknown[] = [];
      let stream: Grpc.ClientReadableStream<unknown>;
      try {
        stream = fn.call(client.value, request, this.callOptions());
      } catch (error) {
        resolve({ ok: false, error: `gobgpd API ${this.address} ${method}: cannot encode the request: ${oneLine(error)}` });
        return;
      }
      stream.on('data', (answer: unknown) => {
        answers.push(answer);
        if (answers.length > MAX_STREAM_ANSWERS) {
          stream.cancel();
          resolve({ ok: false, error: `gobgpd API ${this.address} ${method}: more than ${MAX_STREAM_ANSWERS} answers, reading stopped` });
        }
      });
      stream.on('error', (error: Grpc.ServiceError) => resolve(this.failed(method, error)));
      stream.on('end', () => resolve({ ok: true, value: answers }));
    });
  }

  private callOptions(): Grpc.CallOptions {
    return { deadline: Date.now() + (this.options.deadlineMs ?? GOBGP_API_DEADLINE_MS) };
  }

  private failed(method: string, error: Grpc.ServiceError): Reading<never> {
    if (error.code === UNAVAILABLE) this.drop();
    return { ok: false, error: `gobgpd API ${this.address} ${method}: ${oneLine(error)}` };
  }

  private load(): Promise<Reading<GobgpDefinitions>> {
    this.definitions ??= loadGobgpDefinitions(this.options.protoDir);
    return this.definitions;
  }

  private async connect(): Promise<Reading<Grpc.Client>> {
    if (this.closed) return { ok: false, error: `gobgpd API ${this.address}: connection closed (the agent is stopping)` };
    const d = await this.load();
    if (!d.ok) return d;
    if (this.closed) return { ok: false, error: `gobgpd API ${this.address}: connection closed (the agent is stopping)` };
    // Loopback and a daemon the agent itself restarts: retry the connection often rather than back off to minutes.
    this.client ??= new d.value.GobgpApi(this.address, d.value.grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    });
    return { ok: true, value: this.client };
  }

  private drop(): void {
    this.client?.close();
    this.client = undefined;
  }
}
