// `tierlb explain SRC[:PORT] VIP:PORT [--site FILE] [--node L4NODE]`: the L7
// node the Maglev table of that service sends a client's flow to, and where
// the flow goes if that node is drained. Computed from the site file alone,
// with every L7 node at full weight, as the kernel's mh scheduler would.
import { nodesWithRole, toIp, toPort, type IpAddress, type Port, type Site, type SiteNode } from '../site/index.js';
import { explainFlow, type FlowOutcome } from '../tiers/l4/explain.js';
import { MH_TABLE_SIZE } from '../tiers/l4/maglev/index.js';
import { endpoint, type IpvsService } from '../tiers/l4/model.js';
import { planIpvs } from '../tiers/l4/plan.js';
import { CliError } from './errors.js';
import { readSite } from './read-site.js';

/** Where the packaged agent reads its site (packaging/tierlb-agent@.service); the commands that read one default to it. */
export const DEFAULT_SITE = '/etc/tierlb/site.yaml';

export interface ExplainOptions {
  readonly site?: string;
  readonly node?: string;
}

interface Endpoint {
  readonly address: IpAddress;
  readonly port: Port | undefined;
}

export async function explainCommand(source: string, target: string, opts: ExplainOptions, out: (text: string) => void): Promise<void> {
  const client = parseEndpoint(source, 'SRC');
  const vip = parseEndpoint(target, 'VIP:PORT');
  if (vip.port === undefined) throw new CliError(`VIP:PORT: expected a port after the address, got ${JSON.stringify(target)}`, 2);
  const site = await readSite(opts.site ?? DEFAULT_SITE);
  const node = l4Node(site, opts.node);
  const service = serviceAt(site, node, vip.address, vip.port);
  if (client.address.includes(':') !== vip.address.includes(':')) {
    throw new CliError(`SRC: expected an ${service.family === 'ipv4' ? 'IPv4' : 'IPv6'} client for ${endpoint(service.vip, service.port)}, got ${client.address}`, 2);
  }
  const hashesPort = service.flags.includes('mh-port');
  if (hashesPort && client.port === undefined) {
    throw new CliError(`SRC: ${endpoint(service.vip, service.port)} hashes the client's port too (mh-port): give SRC as ADDRESS:PORT`, 2);
  }
  const e = explainFlow(service, { client: client.address, port: client.port ?? 0 });
  const flags = service.flags.length > 0 ? service.flags.join(',') : 'no flags';
  out(`${clientText(client, hashesPort)} -> ${endpoint(service.vip, service.port)} (service ${service.service}, ${flags}) on ${node.name}:\n`);
  out(`  ${outcomeText(e.now)}\n`);
  if (e.drained) out(`  if ${e.drained.node} is drained: ${outcomeText(e.drained.outcome)}\n`);
}

function clientText(client: Endpoint, hashesPort: boolean): string {
  if (client.port === undefined) return client.address;
  return hashesPort ? endpoint(client.address, client.port) : `${endpoint(client.address, client.port)} (port not hashed)`;
}

function outcomeText(o: FlowOutcome): string {
  if (o.kind === 'refused') return `refused: ${o.reason}`;
  if (o.fellBack) return `goes to ${o.node} (${o.address}), by mh-fallback past slot ${o.slot}`;
  return `goes to ${o.node} (${o.address}), slot ${o.slot} of ${MH_TABLE_SIZE}`;
}

/** `ADDRESS`, `IPV4:PORT` or `[IPV6]:PORT`. */
function parseEndpoint(text: string, what: string): Endpoint {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text) ?? (text.split(':').length === 2 ? /^([^:]+):(\d{1,5})$/.exec(text) : /^([^[\]]+)()$/.exec(text));
  const address = m?.[1] !== undefined ? toIp(m[1]) : undefined;
  if (!m || !address?.ok || (text.startsWith('[') && !address.value.includes(':'))) {
    throw new CliError(`${what}: expected ADDRESS, IPV4:PORT or [IPV6]:PORT, got ${JSON.stringify(text)}`, 2);
  }
  if (!m[2]) return { address: address.value, port: undefined };
  const port = toPort(Number(m[2]));
  if (!port.ok) throw new CliError(`${what}: ${port.reason}`, 2);
  return { address: address.value, port: port.value };
}

function l4Node(site: Site, name: string | undefined): SiteNode {
  const l4 = nodesWithRole(site, 'l4');
  const node = name === undefined ? l4[0] : l4.find((n) => n.name === name);
  if (node) return node;
  if (l4.length === 0) throw new CliError(`site "${site.name}" has no L4 node`, 2);
  throw new CliError(`--node: expected an L4 node, one of ${l4.map((n) => n.name).join(', ')}, got ${JSON.stringify(name)}`, 2);
}

function serviceAt(site: Site, node: SiteNode, vip: IpAddress, port: Port): IpvsService {
  const onVip = planIpvs(site, node).services.filter((s) => s.vip === vip);
  const service = onVip.find((s) => s.port === port);
  if (service) return service;
  if (onVip.length > 0) throw new CliError(`VIP:PORT: ${vip} has no service on port ${port}; its ports are ${onVip.map((s) => s.port).join(', ')}`, 2);
  throw new CliError(`VIP:PORT: ${vip} is no VIP of site "${site.name}"`, 2);
}
