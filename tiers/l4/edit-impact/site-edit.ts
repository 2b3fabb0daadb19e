// What an edit of the site file does to every Maglev table the L4 nodes
// hold. All L4 nodes plan the same tables, and the VIPs of one family and
// port share one table (the VIP is not hashed), so there is one answer per
// service, family and port. Pure.
import { nodesWithRole, type Family, type IpAddress, type Port, type Site, type Token } from '../../../site/index.js';
import { departureBoundMs } from '../../common/departure-bound.js';
import type { IpvsService } from '../model.js';
import { planIpvs } from '../plan.js';
import { serviceEditImpact, type ServiceEditImpact } from './service-edit.js';

export type TableEditImpact =
  | { readonly kind: 'changed'; readonly impact: ServiceEditImpact }
  /** The service, family or port is new: its table starts from nothing, no flow moves. */
  | { readonly kind: 'added' }
  | { readonly kind: 'removed' };

export interface TableEdit {
  readonly service: Token;
  readonly family: Family;
  readonly port: Port;
  /** The VIPs of that family, in the new site (the old one for a removed table). */
  readonly vips: readonly IpAddress[];
  /** How long a leaving L7 node stays at weight 0 at most. */
  readonly departureBoundMs: number;
  readonly edit: TableEditImpact;
}

interface TableGroup {
  readonly first: IpvsService;
  readonly vips: IpAddress[];
}

/** Every table of `before` and `after`: those of `after` in plan order, then the ones it dropped. */
export function siteEditImpact(before: Site, after: Site): TableEdit[] {
  const old = groups(before);
  const now = groups(after);
  const edits = [...now].map(([key, g]): TableEdit => {
    const was = old.get(key);
    return tableEdit(after, g, was ? { kind: 'changed', impact: serviceEditImpact(was.first, g.first) } : { kind: 'added' });
  });
  const gone = [...old].filter(([key]) => !now.has(key)).map(([, g]) => tableEdit(before, g, { kind: 'removed' }));
  return [...edits, ...gone];
}

function tableEdit(site: Site, g: TableGroup, edit: TableEditImpact): TableEdit {
  const s = g.first;
  const bound = departureBoundMs(site.services.find((x) => x.name === s.service));
  return { service: s.service, family: s.family, port: s.port, vips: g.vips, departureBoundMs: bound, edit };
}

/** The planned tables of the site's L4 nodes, one per service, family and port. */
function groups(site: Site): Map<string, TableGroup> {
  const l4 = nodesWithRole(site, 'l4')[0];
  const out = new Map<string, TableGroup>();
  if (!l4) return out;
  for (const s of planIpvs(site, l4).services) {
    const key = `${s.service} ${s.family} ${s.port}`;
    const g = out.get(key);
    if (g) g.vips.push(s.vip);
    else out.set(key, { first: s, vips: [s.vip] });
  }
  return out;
}
