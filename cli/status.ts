// `tierlb status`: asks a running agent for its status and prints it as a
// table; the CLI is a client of the agent, not a second implementation.
// With --peers, it asks the other L4 nodes too and compares Maglev tables.
import type { StatusReport } from '../agent/observe/status.js';
import { nodeNamed } from '../site/index.js';
import { CliError } from './errors.js';
import { agreementWithPeers, formatAgreement, parsePeers } from './peers.js';
import { readSite } from './read-site.js';
import { formatStatus } from './status-table.js';

export interface StatusOptions {
  readonly config?: string;
  readonly node?: string;
  readonly url?: string;
  readonly json?: boolean;
  readonly peers?: string;
}

export async function statusCommand(opts: StatusOptions, out: (t: string) => void): Promise<void> {
  const peers = opts.peers === undefined ? [] : parsePeers(opts.peers);
  const url = opts.url ?? (await urlFromSite(opts));
  let report: StatusReport;
  try {
    report = (await readStatus(url)) as StatusReport;
  } catch (err) {
    throw new CliError(`cannot read the agent's status at ${url}: ${(err as Error).message}`, 2, { cause: err });
  }
  const agreement = peers.length > 0 ? await agreementWithPeers(report, peers, readStatus) : undefined;
  if (opts.json) out(`${JSON.stringify(agreement ? { ...report, peers: agreement } : report, null, 2)}\n`);
  else out(formatStatus(report) + (agreement ? formatAgreement(agreement) : ''));
}

async function readStatus(url: string): Promise<unknown> {
  const res = await fetch(`${url.replace(/\/$/, '')}/status`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

async function urlFromSite(opts: StatusOptions): Promise<string> {
  if (!opts.config || !opts.node) throw new CliError('status: give --url, or --config FILE and --node NAME', 2);
  const site = await readSite(opts.config);
  const node = nodeNamed(site, opts.node);
  if (!node) throw new CliError(`--node: expected one of ${site.nodes.map((n) => n.name).join(', ')}, got ${JSON.stringify(opts.node)}`, 2);
  const { address, port } = node.agent.listen;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
