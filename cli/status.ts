// `tierlb status`: asks a running agent for its status and prints it as a
// table; the CLI is a client of the agent, not a second implementation.
import type { StatusReport } from '../agent/observe/status.js';
import { nodeNamed } from '../site/index.js';
import { CliError } from './errors.js';
import { readSite } from './read-site.js';
import { formatStatus } from './status-table.js';

export interface StatusOptions {
  readonly config?: string;
  readonly node?: string;
  readonly url?: string;
  readonly json?: boolean;
}

export async function statusCommand(opts: StatusOptions, out: (t: string) => void): Promise<void> {
  const url = opts.url ?? (await urlFromSite(opts));
  let report: StatusReport;
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/status`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    report = (await res.json()) as StatusReport;
  } catch (err) {
    throw new CliError(`cannot read the agent's status at ${url}: ${(err as Error).message}`, 2, { cause: err });
  }
  out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
}

async function urlFromSite(opts: StatusOptions): Promise<string> {
  if (!opts.config || !opts.node) throw new CliError('status: give --url, or --config FILE and --node NAME', 2);
  const site = await readSite(opts.config);
  const node = nodeNamed(site, opts.node);
  if (!node) throw new CliError(`--node: expected one of ${site.nodes.map((n) => n.name).join(', ')}, got ${JSON.stringify(opts.node)}`, 2);
  const { address, port } = node.agent.listen;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
