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
