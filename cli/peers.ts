// `tierlb status --peers URL,URL`: the other L4 nodes' status reports beside
// this one's, and per service whether their Maglev tables agree. A peer that
// cannot be read leaves its services unknown; it does not stop the command.
import { compareReports, type ServiceAgreement } from '../tiers/l4/agreement/index.js';
import { MH_TABLE_SIZE } from '../tiers/l4/maglev/index.js';
import { CliError } from './errors.js';

export interface PeerAgreement {
  readonly peer: string;
  readonly services: readonly ServiceAgreement[];
  /** Why the peer's report could not be read. */
  readonly unreadable?: string;
}

/** The peers' URLs from `--peers a,b`; an empty or non-HTTP one is a usage error. */
export function parsePeers(text: string): string[] {
  const urls = text.split(',').map((u) => u.trim());
  const bad = urls.find((u) => !/^https?:\/\/[^\s/]+/.test(u));
  if (bad !== undefined) throw new CliError(`--peers: expected URL,URL (http://HOST:PORT), got ${JSON.stringify(bad)}`, 2);
  return urls;
}

export async function agreementWithPeers(mine: unknown, peers: readonly string[], read: (url: string) => Promise<unknown>): Promise<PeerAgreement[]> {
  return Promise.all(peers.map(async (peer) => {
    try {
      return { peer, services: compareReports(mine, await read(peer)) };
    } catch (err) {
      const reason = `cannot read its status: ${(err as Error).message}`;
      return { peer, services: compareReports(mine, undefined), unreadable: reason };
    }
  }));
}

export function formatAgreement(rows: readonly PeerAgreement[]): string {
  const out = ['', 'Maglev tables against peers'];
  for (const r of rows) {
    if (r.unreadable !== undefined) {
      out.push(`  ${r.peer}: unknown, ${r.unreadable}`);
      continue;
    }
    for (const s of r.services) out.push(`  ${r.peer} ${s.service}: ${verdictText(s)}`);
  }
  return `${out.join('\n')}\n`;
}

function verdictText(s: ServiceAgreement): string {
  if (s.verdict === 'agree') return 'agree';
  if (s.verdict === 'unknown') return `unknown, ${s.reason}`;
  const tables = s.tables.filter((t) => t.verdict === 'differ').map((t) => t.service).join(', ');
  const count = s.slots === undefined ? 'digests differ' : `up to ${s.slots} of ${MH_TABLE_SIZE} slots differ`;
  return `DIFFER, ${count} (${tables})`;
}
