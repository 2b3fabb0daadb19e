// Every address:port the processes of one node listen on, and the clashes
// between them. No config checker sees these: `haproxy -c` passes a monitor
// and a stats frontend on one port (the kernel then splits the connections
// between them, so the monitor answers 503 to some of its requests), and an
// agent whose status endpoint takes the agent-check port fails to start.
import type { FieldPath } from './errors.js';
import { formatPath } from './errors.js';
import type { ParsedSite } from './schema.js';
import type { Report } from './crosscheck-report.js';

type BindSite = Pick<ParsedSite, 'agent' | 'l7' | 'bgp' | 'services' | 'pools' | 'nodes'>;
type RawNode = ParsedSite['nodes'][number];
type Protocol = 'tcp' | 'udp';

/** Ports tierlb itself fixes: the daemons' own, not in the site file. */
const BGP_PORT = 179;
const DNS_PORT = 53;
const GOBGP_API = { address: '127.0.0.1', port: 50051 } as const;

interface Listener {
  /** An address of the node, or a wildcard: `0.0.0.0` every IPv4 one, `::` every one (dual stack). */
  readonly address: string;
  readonly port: number;
  readonly protocols: readonly Protocol[];
  readonly what: string;
  /** The field that sets the port; none for a port tierlb fixes. */
  readonly path?: FieldPath;
  readonly kind: 'agent' | 'agent-check' | 'monitor' | 'stats' | 'frontend' | 'server' | 'daemon';
  /** A server's pool's agent-check port, when the pool uses agent-check. */
  readonly agentPort?: number;
}

/** Every listener of every node, compared pairwise; each clash is reported once per pair of fields. */
export function checkBinds(site: BindSite, report: Report): void {
  const clashes = new Map<string, { path: FieldPath; text: string; nodes: string[] }>();
  site.nodes.forEach((node, i) => {
    const listeners = listenersOf(site, node, i);
    listeners.forEach((b, j) => {
      for (const a of listeners.slice(0, j)) {
        if (!clash(a, b)) continue;
        const [subject, other] = b.path ? [b, a] : [a, b];
        if (!subject.path) continue;
        const text = `${subject.what} ${endpoint(subject)} clashes with ${other.what} ${endpoint(other)}${other.path ? ` (${formatPath(other.path)})` : ''}`;
        const key = `${formatPath(subject.path)} ${other.path ? formatPath(other.path) : other.what}`;
        const seen = clashes.get(key);
        if (!seen) clashes.set(key, { path: subject.path, text, nodes: [node.name] });
        else if (!seen.nodes.includes(node.name)) seen.nodes.push(node.name);
      }
    });
  });
  for (const { path, text, nodes } of clashes.values()) {
    const more = nodes.length > 1 ? ` and ${nodes.length - 1} more node(s)` : '';
    report(path, `expected a port no other listener of the node uses: ${text} on node "${nodes[0] ?? ''}"${more}`);
  }
}

/** A server on its pool's agent-check port would be asked for its own agent-check. */
export function checkAgentCheckPorts(site: Pick<ParsedSite, 'agent' | 'pools'>, report: Report): void {
  site.pools.forEach((pool, p) => {
    if (!pool.agentCheck.enabled) return;
    const port = pool.agentCheck.port ?? site.agent.agentCheckPort;
    const from = formatPath(pool.agentCheck.port === undefined ? ['agent', 'agentCheckPort'] : ['pools', p, 'agentCheck', 'port']);
    pool.servers.forEach((server, s) => {
      if (server.port !== port) return;
      report(['pools', p, 'servers', s, 'port'], `expected a port other than the pool's agent-check port ${port} (${from}): HAProxy would ask ${endpoint({ address: server.address, port })} itself for the agent-check`);
    });
  });
}

function listenersOf(site: BindSite, node: RawNode, i: number): Listener[] {
  const own = [node.addresses.ipv4, node.addresses.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined);
  const listen = node.agent?.listen ?? site.agent.listen;
  const agentCheckPort = node.agent?.agentCheckPort ?? site.agent.agentCheckPort;
  const agentCheckPath: FieldPath = node.agent?.agentCheckPort === undefined ? ['agent', 'agentCheckPort'] : ['nodes', i, 'agent', 'agentCheckPort'];
  const tcp: readonly Protocol[] = ['tcp'];
  const out: Listener[] = [{
    address: listen.address, port: listen.port, protocols: tcp, kind: 'agent', what: 'the agent\'s status endpoint',
    path: node.agent?.listen ? ['nodes', i, 'agent', 'listen'] : ['agent', 'listen'],
  }];
  switch (node.role) {
    case 'l7':
      out.push({ address: '127.0.0.1', port: agentCheckPort, protocols: tcp, kind: 'agent-check', what: 'the agent-check of the node\'s own state', path: agentCheckPath });
      for (const address of own) out.push({ address, port: site.l7.monitorPort, protocols: tcp, kind: 'monitor', what: 'the HAProxy monitor', path: ['l7', 'monitorPort'] });
      if (own[0]) out.push({ address: own[0], port: site.l7.statsPort, protocols: tcp, kind: 'stats', what: 'the HAProxy stats page', path: ['l7', 'statsPort'] });
      out.push(...frontendsOn(site, node));
      break;
    case 'backend':
      for (const address of own) out.push({ address, port: agentCheckPort, protocols: tcp, kind: 'agent-check', what: 'the agent-check server', path: agentCheckPath });
      out.push(...serversOn(site, node, own));
      break;
    case 'dns':
      for (const address of own) out.push({ address, port: DNS_PORT, protocols: ['tcp', 'udp'], kind: 'daemon', what: 'gdnsd\'s DNS port' });
      break;
    case 'l4':
      for (const address of own) out.push({ address, port: agentCheckPort, protocols: ['udp'], kind: 'agent-check', what: 'the L7 nodes\' recheck hints (UDP)', path: agentCheckPath });
      out.push(...bgpListeners(site, node, own));
      break;
    case 'router':
    case 'reflector':
      out.push(...bgpListeners(site, node, own));
      break;
  }
  return out;
}

function frontendsOn(site: BindSite, node: RawNode): Listener[] {
  return site.services.flatMap((svc, s) => {
    if (svc.l7.nodes && !svc.l7.nodes.includes(node.name)) return [];
    return svc.vips.flatMap((vip) => svc.ports.map((port, p): Listener => ({
      address: vip, port, protocols: ['tcp'], kind: 'frontend', what: `the frontend of service "${svc.name}"`, path: ['services', s, 'ports', p],
    })));
  });
}

/** The servers this node runs: those that name it, and those on one of its addresses. */
function serversOn(site: BindSite, node: RawNode, own: readonly string[]): Listener[] {
  return site.pools.flatMap((pool, p) => pool.servers.flatMap((server, s): Listener[] => {
    if (server.node !== node.name && !own.includes(server.address)) return [];
    const agentPort = pool.agentCheck.enabled ? pool.agentCheck.port ?? site.agent.agentCheckPort : undefined;
    return [{
      address: server.address, port: server.port, protocols: ['tcp'], kind: 'server', what: `server "${server.name}"`,
      path: ['pools', p, 'servers', s, 'port'], ...(agentPort === undefined ? {} : { agentPort }),
    }];
  }));
}

/** BIRD listens for BGP on every address; gobgpd on the node's own ones, with its gRPC API on loopback. */
function bgpListeners(site: BindSite, node: RawNode, own: readonly string[]): Listener[] {
  const speaker = node.role === 'router' ? 'bird' : node.role === 'reflector' ? 'gobgp' : site.bgp.speaker;
  const bgp = (address: string): Listener => ({ address, port: BGP_PORT, protocols: ['tcp'], kind: 'daemon', what: `${speaker === 'bird' ? 'BIRD' : 'gobgpd'}'s BGP port` });
  if (speaker === 'bird') return [bgp('::')];
  return [...own.map(bgp), { ...GOBGP_API, protocols: ['tcp'], kind: 'daemon', what: 'gobgpd\'s gRPC API' }];
}

function clash(a: Listener, b: Listener): boolean {
  if (a.port !== b.port || !a.protocols.some((p) => b.protocols.includes(p))) return false;
  if (!covers(a.address, b.address) && !covers(b.address, a.address)) return false;
  // Checked elsewhere or not a clash: one VIP:port per service (its own
  // cross-check), one server program named in several pools.
  if (a.kind === b.kind && (a.kind === 'frontend' || a.kind === 'server')) return false;
  // A server on its pool's agent-check port is reported by checkAgentCheckPorts, in the pool's words.
  const server = a.kind === 'server' ? a : b.kind === 'server' ? b : undefined;
  const other = server === a ? b : a;
  return !(server && other.kind === 'agent-check' && server.agentPort === server.port);
}

function covers(wide: string, narrow: string): boolean {
  if (wide === narrow || wide === '::') return true;
  return wide === '0.0.0.0' && !narrow.includes(':');
}

function endpoint(l: { address: string; port: number }): string {
  return l.address.includes(':') ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
}
