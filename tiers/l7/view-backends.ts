// Backends of the services an L7 node serves, and the enabler backend that
// carries the node's own maintenance state.
import { tunnelCheckMode, tunnelCheckPath } from '../common/tunnel-check-path.js';
import { poolOf, type Ipv4, type Pool, type Server, type Service, type Site, type SiteNode } from '../../site/index.js';
import { digestText, type CertificateDigests } from './certificates.js';
import { endpoint } from './endpoint.js';
import type { EnablerView, ServerView, ServiceView, TlsView } from './view-types.js';
import { frontendBinds } from './view-frontends.js';

export const ENABLER_BACKEND = 'enabler';
/** A literal, not user input: the L7 node's agent answers agent-checks on loopback. */
const LOOPBACK = '127.0.0.1' as Ipv4;

export const backendName = (service: Service): string => `be_${service.name}`;
export const frontendName = (service: Service): string => `fe_${service.name}`;

/**
 * One server whose only check is an agent-check to this node's own agent,
 * which answers from the node's /etc/lb/agent-check file. `nbsrv(enabler)`
 * counts it only while it is up, not drained (weight or admin DRAIN) and not
 * in maintenance (HAProxy's srv_is_usable()), so down, drain and maint all
 * fail the monitor. There is deliberately no `check`: an agent that is not
 * running leaves the last state (HAProxy ignores agent connection failures)
 * instead of taking a healthy data plane out of rotation.
 */
export function enablerView(node: SiteNode): EnablerView {
  const port = node.agent.agentCheckPort;
  return {
    backend: ENABLER_BACKEND,
    server: node.name,
    address: endpoint(LOOPBACK, port),
    agentPort: port,
    agentInter: '1s',
    // Bounds the agent-check connection; the local agent answers in well under this.
    timeout: '1s',
  };
}

function serverView(service: Service, pool: Pool, server: Server): ServerView {
  const check = service.l7.check;
  // agent-addr is not rendered: HAProxy defaults it to the server's address,
  // which is where that backend's agent listens.
  const agent = pool.agentCheck.enabled
    ? { port: pool.agentCheck.port, inter: pool.agentCheck.interval.toString() }
    : undefined;
  return {
    name: server.name,
    address: endpoint(server.address, server.port),
    inter: check.interval.toString(),
    fall: check.fall,
    rise: check.rise,
    weight: server.weight,
    ...(agent ? { agent } : {}),
    sendProxyV2: service.l7.proxyProtocol === 'v2',
    ...(service.l7.slowStart.ms > 0 ? { slowStart: service.l7.slowStart.toString() } : {}),
  };
}

function tlsView(service: Service, digests: CertificateDigests | undefined): TlsView | undefined {
  const tls = service.l7.tls;
  if (!tls) return undefined;
  return {
    certificates: tls.certificates.map((path) => ({ path, digest: digestText(digests, path) })),
    minVersion: tls.minVersion,
    ...(tls.alpn ? { alpn: tls.alpn.join(',') } : {}),
  };
}

/** `digests`: what the agent read of the certificate files; absent in `tierlb render`. */
export function serviceView(site: Site, service: Service, digests?: CertificateDigests): ServiceView {
  const pool = poolOf(site, service);
  const { check, timeouts, mode } = service.l7;
  const tls = tlsView(service, digests);
  return {
    name: service.name,
    mode,
    frontend: frontendName(service),
    backend: backendName(service),
    binds: frontendBinds(service),
    ...(tls ? { tls } : {}),
    balance: service.l7.balance,
    timeouts: {
      client: timeouts.client.toString(),
      connect: timeouts.connect.toString(),
      server: timeouts.server.toString(),
      check: check.timeout.toString(),
    },
    setForwardedFor: mode === 'http',
    setForwardedProto: mode === 'http' && tls !== undefined,
    ...(mode === 'http' ? { httpCheck: { path: check.path, expectStatus: check.expectStatus } } : {}),
    ...(tunnelCheckMode(service) === 'http' && site.l4.tunnelChecks.enabled ? { tunnelCheckPath: tunnelCheckPath(site, service) } : {}),
    // File order, not sorted: `balance first` and the stats page follow it.
    servers: pool.servers.map((s) => serverView(service, pool, s)),
  };
}
