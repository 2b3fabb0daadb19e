// Whether the L4 nodes announcing a VIP hold the same Maglev tables for it.
// ECMP spreads the VIP's flows over every node that announces it, and a flow
// that moves to another L4 node keeps its L7 node only if both tables send it
// to the same one. A node in graceful shutdown still announces (at a lower
// preference) and takes flows when no other node does, so it is compared
// too; a node that withdrew is not. Pure.
import { compareTable, type TableView } from '../tiers/l4/agreement/index.js';
import type { Read } from './site-view.js';

/** Nodes whose tables for the VIP are identical, with the tables' digests in port order. */
export interface TableGroup {
  readonly nodes: readonly string[];
  readonly digests: readonly string[];
}

export interface TableAgreementView {
  /**
   * `differ`: two groups or more, whatever the unknown ones hold; `agree`:
   * one group and nothing unknown; `unknown`: at most one group and some
   * node that may announce cannot be compared; `none`: no node announces.
   */
  readonly verdict: 'agree' | 'differ' | 'unknown' | 'none';
  /** The largest group first (ties: site order); the others are measured against it. */
  readonly groups: readonly TableGroup[];
  readonly unknown: readonly { readonly node: string; readonly why: string }[];
  /** The most slots a group's table differs from the first group's by, when every table could be rebuilt. */
  readonly slots?: number;
}

export interface L4Tables {
  readonly node: string;
  readonly announces: Read<boolean>;
  /** The VIP's tables, one per key of `keys`. */
  readonly tables: Read<readonly TableView[]>;
}

export function agreementOf(keys: readonly string[], nodes: readonly L4Tables[]): TableAgreementView {
  const unknown: { node: string; why: string }[] = [];
  const byDigests = new Map<string, { nodes: string[]; tables: readonly TableView[] }>();
  for (const n of nodes) {
    if (!n.announces.ok) unknown.push({ node: n.node, why: `announce state unknown (${n.announces.why})` });
    else if (!n.announces.value) continue;
    else if (!n.tables.ok) unknown.push({ node: n.node, why: n.tables.why });
    else {
      const id = n.tables.value.map((t) => t.digest).join(' ');
      const group = byDigests.get(id) ?? { nodes: [], tables: n.tables.value };
      group.nodes.push(n.node);
      byDigests.set(id, group);
    }
  }
  // Stable sort: groups of equal size stay in the site order of their first node.
  const groups = [...byDigests.values()].sort((a, b) => b.nodes.length - a.nodes.length);
  const view = groups.map((g): TableGroup => ({ nodes: g.nodes, digests: g.tables.map((t) => t.digest) }));
  const [first, ...others] = groups;
  if (first === undefined) return { verdict: unknown.length > 0 ? 'unknown' : 'none', groups: view, unknown };
  if (others.length === 0) return { verdict: unknown.length > 0 ? 'unknown' : 'agree', groups: view, unknown };
  const slots = mostSlots(keys, first.tables, others.map((g) => g.tables));
  return { verdict: 'differ', groups: view, unknown, ...(slots !== undefined ? { slots } : {}) };
}

function mostSlots(keys: readonly string[], reference: readonly TableView[], others: readonly (readonly TableView[])[]): number | undefined {
  const counts = others.flatMap((tables) => keys.map((key, i) => compareTable(key, reference[i], tables[i])));
  let most = 0;
  for (const c of counts) {
    if (c.verdict === 'differ' && c.slots === undefined) return undefined;
    if (c.verdict === 'differ' && c.slots !== undefined) most = Math.max(most, c.slots);
  }
  return most;
}
