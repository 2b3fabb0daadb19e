// The kernel's IPVS sync daemons through the native addon: the
// SyncDaemonPort of the L4 connection-sync applier. Errors name the step and
// the kernel's errno: `start master sync daemon on eth9: No such device (ENODEV)`.
import type { SyncDaemon, SyncDaemonPort, SyncState } from '../../../tiers/l4/connection-sync.js';
import { addonFunction, errnoName, type RawSyncDaemon } from './netlink-addon.js';

/** What a kernel older than 4.9 uses and does not report. */
const KERNEL_DEFAULTS = { group: '224.0.0.81', port: 8848, ttl: 1 } as const;

/** The port when the addon has the sync-daemon functions; why not otherwise. */
export function netlinkSyncDaemonPort(): { readonly port: SyncDaemonPort } | { readonly why: string } {
  const list = addonFunction('syncDaemons');
  const start = addonFunction('startSyncDaemon');
  const stop = addonFunction('stopSyncDaemon');
  if (!('fn' in list)) return { why: list.why };
  if (!('fn' in start)) return { why: start.why };
  if (!('fn' in stop)) return { why: stop.why };
  return {
    port: {
      list: async () => call(() => list.fn().map(daemonOf)),
      start: async (d: SyncDaemon) => call(() => start.fn(rawOf(d))),
      stop: async (state: SyncState) => call(() => stop.fn(state)),
    },
  };
}

function call<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    const e = err as Error & { errno?: number };
    throw new Error(e.errno === undefined ? e.message : `${e.message} (${errnoName(e.errno)})`, { cause: err });
  }
}

function daemonOf(r: RawSyncDaemon): SyncDaemon {
  return {
    state: r.state, interface: r.interface, syncId: r.syncId,
    group: r.group ?? KERNEL_DEFAULTS.group, port: r.port ?? KERNEL_DEFAULTS.port, ttl: r.ttl ?? KERNEL_DEFAULTS.ttl,
    ...(r.maxlen !== undefined ? { maxlen: r.maxlen } : {}),
  };
}

function rawOf(d: SyncDaemon): RawSyncDaemon {
  return {
    state: d.state, interface: d.interface, syncId: d.syncId, group: d.group, port: d.port, ttl: d.ttl,
    ...(d.maxlen !== undefined ? { maxlen: d.maxlen } : {}),
  };
}
