// The view-model of haproxy.cfg: every value the template prints, already a
// single token (an address with its port, a duration in HAProxy's units, a
// validated name). The template only loops over it.

/** `addr:port`, or `[addr]:port` for IPv6 so HAProxy does not read the last group as the port. */
export type Endpoint = string;

export interface GlobalView {
  readonly adminSocket: string;
  readonly pidFile: string;
  readonly stateFile: string;
  readonly hardStopAfter: string;
}

export interface StatsView {
  readonly bind: Endpoint;
  readonly uri: string;
  readonly metricsPath: string;
  readonly timeoutClient: string;
}

export interface ServiceMonitorView {
  readonly name: string;
  readonly path: string;
  readonly backend: string;
}

export interface MonitorView {
  readonly binds: readonly Endpoint[];
  readonly path: string;
  /** One answer for every service: `web=2 api=4`, the usable servers of each backend. */
  readonly allPath: string;
  readonly timeoutClient: string;
  readonly services: readonly ServiceMonitorView[];
}

export interface EnablerView {
  readonly backend: string;
  readonly server: string;
  readonly address: Endpoint;
  readonly agentPort: number;
  readonly agentInter: string;
  readonly timeout: string;
}

export interface AgentCheckView {
  readonly port: number;
  readonly inter: string;
}

export interface ServerView {
  readonly name: string;
  readonly address: Endpoint;
  readonly inter: string;
  readonly fall: number;
  readonly rise: number;
  readonly weight: number;
  readonly agent?: AgentCheckView;
  /** `send-proxy-v2` and its health checks with it; agent-checks stay plain. */
  readonly sendProxyV2: boolean;
  /** HAProxy's slowstart; absent when off. */
  readonly slowStart?: string;
}

export interface CertificateView {
  readonly path: string;
  /** What the agent read of the file (certificates.ts): a change of it is a change of the config, so HAProxy reloads. */
  readonly digest: string;
}

export interface TlsView {
  readonly certificates: readonly CertificateView[];
  readonly minVersion: string;
  /** `h2,http/1.1`; absent: no ALPN. */
  readonly alpn?: string;
}

export interface HttpCheckView {
  readonly path: string;
  readonly expectStatus: number;
}

export interface ServiceView {
  readonly name: string;
  readonly mode: 'http' | 'tcp';
  readonly frontend: string;
  readonly backend: string;
  readonly binds: readonly Endpoint[];
  /** TLS terminated on every bind of the frontend. */
  readonly tls?: TlsView;
  readonly balance: string;
  readonly timeouts: { readonly client: string; readonly connect: string; readonly server: string; readonly check: string };
  /** Mode http only: the user's address for the backends, replacing any forged header. */
  readonly setForwardedFor: boolean;
  /** Mode http with TLS: tells the backends the user came over https, replacing any forged header. */
  readonly setForwardedProto: boolean;
  /** Present in mode http only; mode tcp checks with a plain TCP connect. */
  readonly httpCheck?: HttpCheckView;
  /** Mode http with tunnel checks on: the path this frontend answers 200 itself, for the L4 nodes' checks through the tunnel. */
  readonly tunnelCheckPath?: string;
  readonly servers: readonly ServerView[];
}

export interface HaproxyView {
  readonly node: string;
  readonly global: GlobalView;
  readonly stats: StatsView;
  readonly monitor: MonitorView;
  readonly enabler: EnablerView;
  readonly services: readonly ServiceView[];
}
