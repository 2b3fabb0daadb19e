// Scenario `moved`: the share of flows an added L7 node takes from the
// others, as `tierlb plan` predicts it from the site texts and as the L4
// nodes' kernels then schedule them. Two edits of one service from the same
// boot site, each measured from the same table and reverted after it: the
// spare L7 node appended after the service's L7 nodes, and inserted in the
// middle of them. The service is one with `mh-port`, so a client's source
// port moves its slot too and a few hundred user addresses give thousands
// of distinct flows. Pure: the same boot text gives the same plan.
import { isMap, isScalar, isSeq, parseDocument, type YAMLSeq } from 'yaml';
import { familyOf, nodesWithRole, type Family, type Service, type Site } from '../../site/index.js';
import { siteEditImpact, type TableEdit } from '../../tiers/l4/edit-impact/index.js';
import { movedPercent, tableName } from '../../cli/plan-text.js';
import { withL7NodeAppended } from '../../lab/guest/site-edits.js';
import { editsBootSite, parseSiteOrThrow, spareL7 } from './edit-plan.js';

/** The Maglev table measured for one family: one VIP (the VIP is not hashed, so the others share its table) and port. */
export interface MovedTable {
  readonly family: Family;
  readonly vip: string;
  readonly port: number;
}

export interface Prediction extends MovedTable {
  /** `tierlb plan`'s figure: the share of the table's slots whose L7 node changes, in percent. */
  readonly percent: number;
  /** The L4 nodes' destination list once the edit is taken, oldest first, as `tierlb plan` prints it. */
  readonly kernelList: readonly string[];
}

export interface MovedEdit {
  readonly step: 'a' | 'b';
  readonly name: string;
  /** The whole site text every node gets; the boot text puts the table back. */
  readonly after: string;
  readonly predictions: readonly Prediction[];
  /** What `tierlb plan` says of the other tables the edit changes (the declaration order is every service's). */
  readonly others: readonly string[];
}

export interface MovedPlan {
  readonly service: string;
  readonly spare: string;
  readonly boot: string;
  readonly tables: readonly MovedTable[];
  readonly edits: readonly MovedEdit[];
}

const hasMhPort = (s: Service): boolean => (s.l4.flags as readonly string[]).includes('mh-port');

/**
 * The site the scenario boots with: `text` with one more L7 node declared
 * after the others (editsBootSite), served by a service other than the
 * measured one: an L7 node without a service cannot start its HAProxy, and
 * the measured service must not list it yet.
 */
export function movedBootSite(text: string): { readonly text: string; readonly spare: string } {
  const site = parseSiteOrThrow(text, 'the lab site');
  const measured = site.services.find(hasMhPort);
  if (!measured) throw new Error('the lab site: expected a service with the mh-port flag to measure');
  const other = site.services.find((s) => s.name !== measured.name);
  if (!other) throw new Error(`the lab site: expected a service besides ${measured.name} to serve the spare L7 node`);
  return editsBootSite(text, other.name);
}

/** Both edits and their predictions, from the boot text (movedBootSite). */
export function movedPlan(boot: string): MovedPlan {
  const site = parseSiteOrThrow(boot, 'the boot site');
  const spare = spareL7(site);
  if (spare === undefined) throw new Error('the boot site: expected an L7 node that some service does not list (movedBootSite adds one)');
  if (nodesWithRole(site, 'l7').at(-1)?.name !== spare) throw new Error(`the boot site: expected ${spare} declared after the other L7 nodes, so that edit a appends it`);
  const service = site.services.find((s) => hasMhPort(s) && !(s.l7.nodes as readonly string[]).includes(spare));
  if (!service) throw new Error(`the boot site: expected a service with the mh-port flag that does not list ${spare}`);
  const listed = service.l7.nodes.map(String);
  const middle = listed[Math.floor(listed.length / 2) - 1];
  if (middle === undefined) throw new Error(`the boot site: expected ${service.name} to list two L7 nodes or more, to insert ${spare} between them`);
  const port = Math.min(...service.ports.map(Number));
  const tables = (['ipv4', 'ipv6'] as const).flatMap((family): MovedTable[] => {
    const vip = service.vips.find((v) => familyOf(v) === family);
    return vip === undefined ? [] : [{ family, vip, port }];
  });
  const appended = withL7NodeAppended(boot, spare, [service.name]);
  const inserted = withL7NodeInsertedAfter(boot, spare, middle, service.name);
  const at = Math.floor(listed.length / 2);
  return {
    service: service.name, spare, boot, tables,
    edits: [
      { step: 'a', name: `${spare} appended to the L7 nodes of ${service.name} (${[...listed, spare].join(', ')})`, after: appended, ...predict(site, parseSiteOrThrow(appended, 'edit a'), service.name, tables) },
      {
        step: 'b', name: `${spare} inserted in the middle of the L7 nodes of ${service.name} (${[...listed.slice(0, at), spare, ...listed.slice(at)].join(', ')}; declared there in nodes)`,
        after: inserted, ...predict(site, parseSiteOrThrow(inserted, 'edit b'), service.name, tables),
      },
    ],
  };
}

/** `tierlb plan`'s answer for the measured tables (the same function and the same figure it prints), and for the others it moves. */
function predict(before: Site, after: Site, service: string, tables: readonly MovedTable[]): Pick<MovedEdit, 'predictions' | 'others'> {
  const edits = siteEditImpact(before, after);
  const measured = (e: TableEdit, t: MovedTable): boolean => e.service === service && e.family === t.family && e.port === t.port;
  const predictions = tables.map((t) => {
    const e = edits.find((x) => measured(x, t));
    if (e?.edit.kind !== 'changed') throw new Error(`expected the edit to change the ${service} ${t.family} port ${t.port} table, got ${e?.edit.kind ?? 'no such table'}`);
    return { ...t, percent: movedPercent(e), kernelList: e.edit.impact.afterLeaving.order.map(String) };
  });
  const others = edits.filter((e) => !tables.some((t) => measured(e, t)) && movedPercent(e) > 0)
    .map((e) => `${tableName(e)}: ${movedPercent(e).toFixed(2)}% of the slots${e.edit.kind === 'changed' ? ` (L4 kernel list ${e.edit.impact.afterLeaving.order.join(', ')})` : ''}`);
  return { predictions, others };
}

/**
 * `node` into the L7 nodes of `service` right after `after`, and its
 * declaration moved right after `after`'s: the order of the declarations is
 * the Maglev order (site/resolve.ts), a service's own list only says which.
 * Every service that lists `node` already gets the new order too.
 */
export function withL7NodeInsertedAfter(text: string, node: string, after: string, service: string): string {
  const what = `insert L7 node ${node} after ${after} in ${service}`;
  const doc = parseDocument(text);
  const nodes = doc.get('nodes');
  if (!isSeq(nodes)) throw new Error(`${what}: expected a list of nodes`);
  const named = (seq: YAMLSeq, name: string): number => seq.items.findIndex((n) => (isMap(n) ? n.get('name') === name : isScalar(n) && String(n.value) === name));
  const from = named(nodes, node);
  if (from < 0 || named(nodes, after) < 0) throw new Error(`${what}: expected both declared in nodes`);
  const [item] = nodes.items.splice(from, 1);
  nodes.items.splice(named(nodes, after) + 1, 0, item);
  const services = doc.get('services');
  const svc = isSeq(services) ? services.items.find((s) => isMap(s) && s.get('name') === service) : undefined;
  const list = isMap(svc) ? svc.getIn(['l7', 'nodes']) : undefined;
  if (!isSeq(list)) throw new Error(`${what}: expected ${service} to list its L7 nodes`);
  if (named(list, node) >= 0) throw new Error(`${what}: ${service} lists it already`);
  list.items.splice(named(list, after) + 1, 0, doc.createNode(node));
  const out = doc.toString({ lineWidth: 0 });
  parseSiteOrThrow(out, what);
  return out;
}
