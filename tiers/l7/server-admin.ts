// The backend servers the fleet state in etcd takes out (drain) or weighs,
// as HAProxy's runtime API sets them on this L7 node. Depool and drain both
// drain: HAProxy sends a drained server no new connection but keeps the ones
// it has, so taking a server out never cuts a user. Pure.
import type { HaproxyView } from './view-types.js';

export interface ServerAdmin {
  readonly admin: 'ready' | 'drain';
  /** Percent of the configured weight. */
  readonly weight: number;
}

export interface ServerWord {
  readonly pooled: 'yes' | 'drain' | 'no';
  readonly weight?: number;
}

/** Keyed `backend/server`, as `set server` names it; only servers etcd says something about. */
export type ServerAdminPlan = ReadonlyMap<string, ServerAdmin>;

export function planServerAdmin(view: HaproxyView | undefined, words: ReadonlyMap<string, ServerWord>): ServerAdminPlan {
  const plan = new Map<string, ServerAdmin>();
  for (const service of view?.services ?? []) {
    for (const server of service.servers) {
      const word = words.get(server.name);
      if (!word) continue;
      plan.set(`${service.backend}/${server.name}`, word.pooled === 'yes' ? { admin: 'ready', weight: word.weight ?? 100 } : { admin: 'drain', weight: 100 });
    }
  }
  return plan;
}

/** The commands that put one server in `state`: drain before weight, so it never takes new connections in between. */
export function serverAdminCommands(target: string, state: ServerAdmin): string[] {
  return [`set server ${target} state ${state.admin}`, `set server ${target} weight ${state.weight}%`];
}

/** What HAProxy is told when etcd stops speaking of a server: ready at its configured weight. */
export const RELEASED: ServerAdmin = { admin: 'ready', weight: 100 };

/** srv_admin_state bits (HAProxy's SRV_ADMF_*): forced maintenance, forced drain. */
const FORCED_MAINT = 0x01;
const FORCED_DRAIN = 0x08;

/** What `show servers state` says of one server, as far as the pushed state is concerned. */
export interface HeldServerAdmin {
  readonly adminState: number;
  readonly weight: number;
  readonly initialWeight: number;
}

/**
 * Why HAProxy no longer holds the state pushed to a server (someone set it
 * through the runtime API), or undefined when it does. A drain is the forced
 * drain flag; ready is neither that nor forced maintenance; the weight is the
 * percent of the config's weight.
 */
export function serverAdminDrift(state: ServerAdmin, held: HeldServerAdmin): string | undefined {
  const drain = (held.adminState & FORCED_DRAIN) !== 0;
  const maint = (held.adminState & FORCED_MAINT) !== 0;
  if (state.admin === 'drain' && !drain) return `not drained (admin state ${held.adminState})`;
  if (state.admin === 'ready' && (drain || maint)) return `${maint ? 'in maintenance' : 'drained'} (admin state ${held.adminState})`;
  // HAProxy's own integer arithmetic decides the last unit: one either way is the push.
  const weight = (held.initialWeight * state.weight) / 100;
  if (Math.abs(held.weight - weight) >= 1) return `weight ${held.weight}, pushed ${state.weight}% of ${held.initialWeight}`;
  return undefined;
}
