// Whether two L4 nodes hold the same Maglev tables, and by how many slots
// they differ where they do not. A side that cannot tell (a peer that did
// not answer, a field missing or malformed) makes the verdict "unknown",
// never "agree". Pure.
import type { KernelService } from '../kernel.js';
import { differingSlots, type MaglevTable } from '../maglev/index.js';
import { describeService } from '../service-key.js';
import { expectedTable, maglevDigest } from './expected.js';

/** What one node says about one table: its digest, and the table when its destinations could be read. */
export interface TableView {
  readonly digest: string;
  readonly table?: MaglevTable;
}

/** One node's tables by service key (`tcp 198.51.100.1:80`). */
export type NodeTables = ReadonlyMap<string, TableView>;

export type TableAgreement =
  | { readonly service: string; readonly verdict: 'agree' }
  /** `slots` is absent when only the digests could be compared. */
  | { readonly service: string; readonly verdict: 'differ'; readonly slots?: number }
  | { readonly service: string; readonly verdict: 'unknown'; readonly reason: string };

/** The tables of an L4 node, from its kernel table. */
export function tablesOfKernel(kernel: readonly KernelService[]): Map<string, TableView> {
  return new Map(kernel.map((k) => {
    const table = expectedTable(k);
    return [describeService(k), { digest: maglevDigest(table), table }];
  }));
}

/** Every table of `mine`, then those only `theirs` has, compared. */
export function compareNodes(mine: NodeTables, theirs: NodeTables): TableAgreement[] {
  const keys = [...mine.keys(), ...[...theirs.keys()].filter((k) => !mine.has(k))];
  return keys.map((service) => compareTable(service, mine.get(service), theirs.get(service)));
}

export function compareTable(service: string, a: TableView | undefined, b: TableView | undefined): TableAgreement {
  if (!a || !b) return { service, verdict: 'unknown', reason: `no such table on ${a ? 'the peer' : 'this node'}` };
  if (a.table && b.table) {
    const slots = differingSlots(a.table, b.table);
    return slots === 0 ? { service, verdict: 'agree' } : { service, verdict: 'differ', slots };
  }
  return a.digest === b.digest ? { service, verdict: 'agree' } : { service, verdict: 'differ' };
}

/** Two kernel tables compared, as two L4 nodes would be. */
export function compareKernels(a: readonly KernelService[], b: readonly KernelService[]): TableAgreement[] {
  return compareNodes(tablesOfKernel(a), tablesOfKernel(b));
}
