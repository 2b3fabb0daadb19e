// Two L4 nodes' status reports compared service by service: whether their
// Maglev tables agree, and by how many slots the most different table of a
// service differs. Either report may be anything the network delivered.
// Pure.
import { compareNodes, type TableAgreement } from './compare.js';
import { readPeerTables } from './peer-report.js';

export type ServiceAgreement =
  | { readonly service: string; readonly verdict: 'agree'; readonly tables: readonly TableAgreement[] }
  /** `slots`: the most slots one of its tables differs by, when the tables could be rebuilt. */
  | { readonly service: string; readonly verdict: 'differ'; readonly slots?: number; readonly tables: readonly TableAgreement[] }
  | { readonly service: string; readonly verdict: 'unknown'; readonly reason: string; readonly tables: readonly TableAgreement[] };

/** Every service of `mine` (then those only `theirs` has), compared. */
export function compareReports(mine: unknown, theirs: unknown): ServiceAgreement[] {
  const a = readPeerTables(mine);
  const b = readPeerTables(theirs);
  if (!(a instanceof Map)) return [];
  const names = [...a.keys(), ...(b instanceof Map ? [...b.keys()].filter((n) => !a.has(n)) : [])];
  return names.map((service): ServiceAgreement => {
    const x = a.get(service);
    const y = b instanceof Map ? b.get(service) : b;
    if (!(x instanceof Map)) return { service, verdict: 'unknown', reason: x ? `this node: ${x.unknown}` : 'not on this node', tables: [] };
    if (!(y instanceof Map)) return { service, verdict: 'unknown', reason: y ? `peer: ${y.unknown}` : 'not on the peer', tables: [] };
    return summarise(service, compareNodes(x, y));
  });
}

function summarise(service: string, tables: TableAgreement[]): ServiceAgreement {
  const differ = tables.filter((t) => t.verdict === 'differ');
  if (differ.length > 0) {
    const counts = differ.flatMap((t) => (t.slots !== undefined ? [t.slots] : []));
    return { service, verdict: 'differ', ...(counts.length === differ.length ? { slots: Math.max(...counts) } : {}), tables };
  }
  const unknown = tables.find((t) => t.verdict === 'unknown');
  if (unknown?.verdict === 'unknown') return { service, verdict: 'unknown', reason: `${unknown.service}: ${unknown.reason}`, tables };
  if (tables.length === 0) return { service, verdict: 'unknown', reason: 'no tables to compare', tables };
  return { service, verdict: 'agree', tables };
}
