// How an agent says what it knows of the fleet state: a status line, the
// metrics, and a log line per record that changed. Pure but for the metrics
// and the logger it is handed.
import { pooledAt, type PoolRecord } from '../../fleet/record.js';
import type { FleetView } from '../../fleet/store.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

export function fleetStatusLine(view: FleetView | undefined, endpoints: readonly string[], now: number): string | undefined {
  if (!view) return undefined;
  const held = [...view.records].filter(([, r]) => pooledAt(r, now) !== 'yes').map(([n, r]) => `${n} ${r.pooled}`);
  const state = held.length > 0 ? `not pooled: ${held.join(', ')}` : 'everything pooled';
  if (view.unreachableSince !== undefined) {
    return `fleet state: etcd UNREACHABLE since ${new Date(view.unreachableSince).toISOString()} (${view.unreachableWhy ?? 'no answer'}); keeping the last state seen, revision ${view.revision} (${view.source}): ${state}`;
  }
  if (view.source !== 'store') return `fleet state: connecting to etcd at ${endpoints.join(', ')}; meanwhile ${view.source === 'saved copy' ? `the copy saved on this host, revision ${view.revision}: ${state}` : 'nothing known: everything pooled'}`;
  return `fleet state: etcd at ${endpoints.join(', ')}, revision ${view.revision}: ${state}`;
}

export function recordFleetMetrics(metrics: Metrics, view: FleetView | undefined, now: number): void {
  metrics.fleetRecords.reset();
  if (!view) {
    metrics.etcdReachable.reset();
    metrics.etcdUnreachableSince.reset();
    return;
  }
  const cut = view.unreachableSince !== undefined || view.source !== 'store';
  metrics.etcdReachable.set(cut ? 0 : 1);
  metrics.etcdUnreachableSince.set(view.unreachableSince !== undefined ? Math.floor(view.unreachableSince / 1000) : 0);
  for (const pooled of ['yes', 'drain', 'no'] as const) {
    metrics.fleetRecords.set({ pooled }, [...view.records.values()].filter((r) => pooledAt(r, now) === pooled).length);
  }
}

/** One line per name whose record changed, and one when etcd is lost or found again. */
export function logFleetChange(log: Logger, before: FleetView | undefined, after: FleetView | undefined): void {
  if (before?.unreachableSince === undefined && after?.unreachableSince !== undefined) {
    log.error({ why: after.unreachableWhy }, `etcd unreachable: keeping the last fleet state seen (revision ${after.revision}) until it is back`);
  }
  if (before?.unreachableSince !== undefined && after && after.unreachableSince === undefined && after.source === 'store') {
    log.info({ revision: after.revision }, `etcd reachable again after ${Math.round((Date.now() - before.unreachableSince) / 1000)} s; fleet state read at revision ${after.revision}`);
  }
  const names = new Set([...(before?.records.keys() ?? []), ...(after?.records.keys() ?? [])]);
  for (const name of [...names].sort()) {
    const a = before?.records.get(name);
    const b = after?.records.get(name);
    // Pooled before and after at the same weight (an agent's first read, a pool renewed): nothing for this node to do.
    if (sameRecord(a, b) || ((a?.pooled ?? 'yes') === 'yes' && (b?.pooled ?? 'yes') === 'yes' && a?.weight === b?.weight && before === undefined)) continue;
    log.info({ name, record: b ?? null, source: after?.source }, `fleet: ${name} ${a?.pooled ?? 'yes'} -> ${b?.pooled ?? 'yes'}${b ? ` (${b.reason}; ${b.who}, ${b.when}${b.expires !== undefined ? `, until ${b.expires}` : ''})` : ''}`);
  }
}

const sameRecord = (a: PoolRecord | undefined, b: PoolRecord | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);
