// `tierlb status --site --config FILE`: every node's status report, read in
// parallel, folded into one view of the site per VIP. Where the reports come
// from is a parameter: today each agent's status endpoint; reports published
// elsewhere plug in as another SiteReportSource.
import type { StatusReport } from '../agent/observe/status.js';
import type { Site, SiteNode } from '../site/index.js';
import { CliError } from './errors.js';
import { readSite } from './read-site.js';
import { siteView, type SiteReport, type SiteView } from './site-view.js';
import { formatSiteView } from './site-view-table.js';
import { etcdReports } from './status-site-etcd.js';

export type SiteReportSource = (site: Site) => Promise<ReadonlyMap<string, SiteReport>>;
export type NodeReportReader = (node: SiteNode) => Promise<SiteReport>;

export interface StatusSiteOptions {
  readonly config?: string;
  readonly node?: string;
  readonly url?: string;
  readonly peers?: string;
  readonly json?: boolean;
}

/** One slow node must not hold the whole view: it is reported unreachable. */
const READ_TIMEOUT_MS = 3000;

/**
 * Prints the view; a broken promise exits 1, a node that could not be read
 * (with nothing broken among the others) exits 3, both through a CliError
 * after the view, so scripts and the person at the terminal see both.
 */
export async function statusSiteCommand(opts: StatusSiteOptions, out: (text: string) => void, source?: SiteReportSource): Promise<void> {
  if (!opts.config) throw new CliError('status --site: give --config FILE', 2);
  if (opts.node !== undefined || opts.url !== undefined || opts.peers !== undefined) {
    throw new CliError('status --site reads every node of --config: leave out --node, --url and --peers', 2);
  }
  const site = await readSite(opts.config);
  const { reports, etcd } = await reportsOf(site, source);
  const view = siteView(site, reports);
  const agentsCut = agentsCutOff(reports);
  if (opts.json) out(`${JSON.stringify({ ...view, ...(etcd ? { etcd: { ...etcd, agentsCutOff: agentsCut } } : {}) }, null, 2)}\n`);
  else out(`${etcd ? `${etcdLines(etcd, agentsCut)}\n` : ''}${formatSiteView(view)}`);
  const code = siteExitCode(view);
  if (code === 1) throw new CliError(`${view.broken.length} promise(s) broken`, 1);
  if (code === 3) {
    const others = view.unreachable.length < site.nodes.length ? '; no promise is broken among the others' : '';
    throw new CliError(`${view.unreachable.length} node(s) could not be read (${view.unreachable.map((u) => u.node).join(', ')})${others}`, 3);
  }
}

interface EtcdRead {
  readonly reachable: boolean;
  readonly endpoints: readonly string[];
  readonly why?: string;
}

/**
 * With an etcd section the agents' reports come from etcd; if etcd cannot be
 * read, from their status endpoints, and the view says so.
 */
async function reportsOf(site: Site, source: SiteReportSource | undefined): Promise<{ reports: ReadonlyMap<string, SiteReport>; etcd?: EtcdRead }> {
  if (source) return { reports: await source(site) };
  if (!site.etcd) return { reports: await endpointReports(site) };
  const endpoints = site.etcd.endpoints;
  try {
    return { reports: await etcdReports(site, site.etcd), etcd: { reachable: true, endpoints } };
  } catch (err) {
    return { reports: await endpointReports(site), etcd: { reachable: false, endpoints, why: (err as Error).message } };
  }
}

/** The agents whose own report says they lost etcd: "node: since …". */
function agentsCutOff(reports: ReadonlyMap<string, SiteReport>): string[] {
  const cut: string[] = [];
  for (const [node, r] of reports) {
    const notes: unknown = r.ok ? r.report.notes : undefined;
    const line = Array.isArray(notes) ? notes.find((n): n is string => typeof n === 'string' && n.startsWith('fleet state: etcd UNREACHABLE')) : undefined;
    if (line !== undefined) cut.push(`${node}: ${line.slice('fleet state: '.length, 200)}`);
  }
  return cut;
}

function etcdLines(etcd: EtcdRead, cut: readonly string[]): string {
  const head = etcd.reachable
    ? `etcd: reachable at ${etcd.endpoints.join(', ')}; reports as the agents published them there`
    : `etcd: UNREACHABLE (${etcd.why ?? 'no answer'}); reports read from the agents' status endpoints instead`;
  return [head, ...cut.map((c) => `  agent cut off from etcd: ${c}`)].join('\n');
}

/** 0 every promise holds; 1 one is broken; 3 none broken, but some node could not be read. */
export function siteExitCode(view: SiteView): 0 | 1 | 3 {
  if (view.broken.length > 0) return 1;
  return view.unreachable.length > 0 ? 3 : 0;
}

/** Every node's report through `read`, in parallel; a reader that throws makes its node unreachable. */
export function gatherReports(read: NodeReportReader): SiteReportSource {
  return async (site) => new Map(await Promise.all(site.nodes.map(async (node) => {
    const report = await read(node).catch((err: unknown): SiteReport => ({ ok: false, why: reasonOf(err) }));
    return [node.name as string, report] as const;
  })));
}

/** `GET /status` of the node's agent, as `node.agent.listen` says. */
export async function readEndpoint(node: SiteNode, timeoutMs = READ_TIMEOUT_MS): Promise<SiteReport> {
  const url = `${statusUrl(node)}/status`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { ok: false, why: `${url}: HTTP ${res.status}` };
    // Unchecked here: siteView reads every field as untrusted.
    return { ok: true, report: (await res.json()) as StatusReport };
  } catch (err) {
    return { ok: false, why: `${url}: ${reasonOf(err, timeoutMs)}` };
  }
}

export const endpointReports: SiteReportSource = gatherReports((node) => readEndpoint(node));

/**
 * An agent listening on every address is asked on the node's own address:
 * asking 0.0.0.0 or :: would reach the machine the command runs on.
 */
function statusUrl(node: SiteNode): string {
  const { address, port } = node.agent.listen;
  const host = address === '0.0.0.0' ? node.addresses.ipv4 ?? node.addresses.ipv6 ?? address
    : address === '::' ? node.addresses.ipv6 ?? node.addresses.ipv4 ?? address
      : address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** fetch hides the socket's error in `cause`; a timeout and a body that is not JSON say so. */
function reasonOf(err: unknown, timeoutMs = READ_TIMEOUT_MS): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (err instanceof SyntaxError) return `not JSON: ${err.message}`;
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause ?? err.message;
}
