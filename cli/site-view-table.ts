// Prints a SiteView for an SRE at a terminal: one block per VIP, tier by
// tier from the routers down, then the nodes that could not be read and one
// summary line. Pure: view in, text out.
import { MH_TABLE_SIZE } from '../tiers/l4/maglev/index.js';
import type { Cell, DnsFacts, L4Facts, RouteFacts, SiteView, VipView, WeightFacts } from './site-view.js';

const INDENT = ' '.repeat(14);

export function formatSiteView(view: SiteView): string {
  const out = [`site ${view.site}`];
  for (const v of view.vips) out.push('', ...vipBlock(v));
  if (view.unreachable.length > 0) {
    out.push('', 'unreachable (their cells read "unknown")');
    out.push(...columns(view.unreachable.map((u) => [u.node, u.why])).map((l) => `  ${l}`));
  }
  out.push('', ...summary(view));
  return `${out.join('\n')}\n`;
}

function vipBlock(v: VipView): string[] {
  const names = v.dnsNames.length > 0 ? `  (${v.dnsNames.join(', ')})` : '';
  return [
    `${v.vip}  service ${v.service}${names}`,
    ...section('routers', columns(v.routes.map((c) => [c.node, ...cellText(c, route)]))),
    ...section('l4 nodes', columns(v.l4.map((c) => [c.node, ...cellText(c, announce)]))),
    ...section('maglev', [agreement(v)]),
    ...section('l7 weights', grid('L7 NODE', v.weights.map((w) => [w.l7, w.cells] as const), 'desired/kernel health on each L4 node')),
    ...section('backends', grid('SERVER', v.backends.map((b) => [b.server, b.cells] as const), 'desired/haproxy health on each L7 node')),
    ...section('dns', v.dnsNames.length === 0 ? ['no DNS name'] : columns(v.dns.map((c) => [c.node, ...cellText(c, dns)]))),
  ];
}

/** The first line after the label, the rest under it. */
function section(label: string, lines: readonly string[]): string[] {
  if (lines.length === 0) return [`  ${label.padEnd(INDENT.length - 2)}none in the site`];
  return lines.map((l, i) => `${i === 0 ? `  ${label.padEnd(INDENT.length - 2)}` : INDENT}${l}`.trimEnd());
}

function cellText<T>(c: Cell<T>, known: (facts: T) => string[]): string[] {
  if (!c.known) return [`unknown (${c.why})`];
  return known(c);
}

function route(r: RouteFacts): string[] {
  return r.nextHops.length > 0 ? [r.nextHops.join(' ')] : [`NO NEXT HOP${r.reason ? ` (${r.reason})` : ''}`];
}

function announce(a: L4Facts): string[] {
  const tables = a.tables.known ? `maglev ${a.tables.digests.join(' ')}` : `maglev unknown (${a.tables.why})`;
  return [a.announce, tables, a.reason];
}

function dns(d: DnsFacts): string[] {
  return [d.answered ? 'answered' : 'not answered', d.reason];
}

function agreement(v: VipView): string {
  const t = v.tables;
  const unknown = t.unknown.map((u) => `${u.node}: ${u.why}`).join('; ');
  const nodes = t.groups[0]?.nodes.join(', ') ?? '';
  switch (t.verdict) {
    case 'none': return 'no L4 node announces it';
    case 'agree': return `agree (${nodes})`;
    case 'unknown': return `unknown${nodes ? `, ${nodes} agree` : ''}; ${unknown}`;
    case 'differ': {
      const groups = t.groups.map((g) => `${g.nodes.join(', ')} [${g.digests.join(' ')}]`).join(' vs ');
      return `DIFFER: ${groups}${t.slots === undefined ? '' : `, up to ${t.slots} of ${MH_TABLE_SIZE} slots differ`}${unknown ? `; ${unknown}` : ''}`;
    }
  }
}

/** Rows of `name` by node, one column per node: the weights of the L7 nodes, the states of the servers. */
function grid(head: string, rows: readonly (readonly [string, readonly Cell<WeightFacts>[]])[], what: string): string[] {
  if (rows.length === 0) return [];
  const nodes = rows[0]?.[1].map((c) => c.node) ?? [];
  const body = rows.map(([name, cells]) => [name, ...cells.map((c) => cellText(c, weight).join(' '))]);
  return [what, ...columns([[head, ...nodes], ...body])];
}

function weight(w: WeightFacts): string[] {
  const n = (x: number | null): string => (x === null ? '-' : String(x));
  return [`${n(w.desired)}/${n(w.actual)} ${w.health}`];
}

function summary(view: SiteView): string[] {
  const vips = `${view.vips.length} VIP${view.vips.length === 1 ? '' : 's'}`;
  const unread = view.unreachable.length === 0 ? [] : [`${view.unreachable.length} node(s) unreachable (${view.unreachable.map((u) => u.node).join(', ')}): what they would tell is unknown`];
  if (view.broken.length === 0) {
    return unread.length === 0 ? [`${vips}, all promises hold`] : [`${vips}, no promise broken among the nodes read; ${unread[0]}`];
  }
  return [`${vips}, ${view.broken.length} promise(s) broken:`, ...view.broken.map((b) => `  - ${b}`), ...unread];
}

function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}
