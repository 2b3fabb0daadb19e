// Which IPVS sync daemons an L4 node runs, and the changes that take the
// kernel's daemons there. Pure.
//
// Active-active: every L4 node is at once a master (the kernel multicasts
// the connection entries this node creates) and a backup (it creates the
// entries the other nodes multicast). A node never applies its own
// messages: the kernel turns multicast loopback off on the master's socket
// (ip_vs_sync.c, make_send_sock: set_mcast_loop(sk, 0)).
//
// One sync ID for the whole site, not one per node: a backup keeps only the
// messages whose sync ID equals its own (ip_vs_process_message), or every
// message when its own is 0. Per-node IDs would force 0 on every backup,
// which then also takes the entries of any other site multicasting to the
// same group and port; one site-wide ID keeps the filter.
import type { Site, SiteNode } from '../../site/index.js';

export const SYNC_STATES = ['master', 'backup'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

export interface SyncDaemon {
  readonly state: SyncState;
  readonly interface: string;
  readonly syncId: number;
  readonly group: string;
  readonly port: number;
  readonly ttl: number;
  /** Wanted: undefined leaves the kernel's default. Running: what the kernel reports. */
  readonly maxlen?: number;
}

/** Master first, then backup: the order the kernel lists them. */
export interface ConnectionSyncPlan {
  readonly daemons: readonly SyncDaemon[];
}

/** The kernel's sync daemons as the L4 applier reaches them (GET_DAEMON, NEW_DAEMON, DEL_DAEMON). */
export interface SyncDaemonPort {
  list(): Promise<readonly SyncDaemon[]>;
  /** Rejects with an Error whose message names the daemon and the kernel's errno. */
  start(daemon: SyncDaemon): Promise<void>;
  stop(state: SyncState): Promise<void>;
}

export type SyncOp =
  | { readonly kind: 'stop'; readonly state: SyncState; readonly why: string }
  | { readonly kind: 'start'; readonly daemon: SyncDaemon };

export function planConnectionSync(site: Site, node: SiteNode): ConnectionSyncPlan {
  const sync = site.l4.connectionSync;
  if (!sync.enabled || node.role !== 'l4' || sync.interface === undefined) return { daemons: [] };
  const common = {
    interface: sync.interface, syncId: sync.syncId, group: sync.group, port: sync.port, ttl: sync.ttl,
    ...(sync.maxlen !== undefined ? { maxlen: sync.maxlen } : {}),
  };
  return { daemons: SYNC_STATES.map((state) => ({ state, ...common })) };
}

/** What differs between a wanted daemon and a running one, in words; '' when the running one will do. */
export function syncDaemonDifference(wanted: SyncDaemon, running: SyncDaemon): string {
  const fields = ['interface', 'syncId', 'group', 'port', 'ttl'] as const;
  const changed: string[] = fields.filter((f) => wanted[f] !== running[f]).map((f) => `${f} ${running[f]} -> ${wanted[f]}`);
  if (wanted.maxlen !== undefined && wanted.maxlen !== running.maxlen) changed.push(`maxlen ${running.maxlen ?? 'default'} -> ${wanted.maxlen}`);
  return changed.join(', ');
}

/**
 * Stops before starts: the kernel runs one master and one backup per
 * network namespace, so new settings take a stop and a start. A daemon the
 * plan does not want is stopped (on an L4 node tierlb owns them).
 */
export function diffSyncDaemons(wanted: readonly SyncDaemon[], running: readonly SyncDaemon[]): SyncOp[] {
  const stops: SyncOp[] = [];
  const starts: SyncOp[] = [];
  for (const state of SYNC_STATES) {
    const w = wanted.find((d) => d.state === state);
    const r = running.find((d) => d.state === state);
    const difference = w && r ? syncDaemonDifference(w, r) : '';
    if (r && !w) stops.push({ kind: 'stop', state, why: 'not wanted by the site' });
    if (r && w && difference !== '') stops.push({ kind: 'stop', state, why: `settings changed: ${difference}` });
    if (w && (!r || difference !== '')) starts.push({ kind: 'start', daemon: w });
  }
  return [...stops, ...starts];
}

/** `master on eth1, 224.0.0.81:8848 ttl 1, sync ID 1`. */
export function describeSyncDaemon(d: SyncDaemon): string {
  const group = d.group.includes(':') ? `[${d.group}]` : d.group;
  return `${d.state} on ${d.interface}, ${group}:${d.port} ttl ${d.ttl}, sync ID ${d.syncId}${d.maxlen !== undefined ? `, maxlen ${d.maxlen}` : ''}`;
}
