// The fleet state as the pool and history commands reach it: the site file
// with its `etcd:` section, a store on it, and every failure of the store
// turned into one line naming the endpoints, never a stack. The store comes
// from a factory so that tests run the commands on an in-memory one.
import { hostname, userInfo } from 'node:os';
import { connectEtcd, EtcdSettingsError, etcdErrorText } from '../agent/drivers/etcd/connect.js';
import { EtcdFleetStore } from '../agent/drivers/etcd/store.js';
import type { FleetStore, ValueProblem } from '../fleet/store.js';
import type { WhoSources } from '../fleet/who.js';
import type { EtcdSettings, Site } from '../site/index.js';
import { CliError } from './errors.js';
import { readSite } from './read-site.js';

export interface FleetDeps {
  readonly openStore: (settings: EtcdSettings) => Promise<FleetStore>;
  /** Milliseconds since the epoch: a change's `when` and the expiry of records. */
  readonly now: () => number;
  readonly whoSources: () => Omit<WhoSources, 'option'>;
}

export const processFleetDeps: FleetDeps = {
  openStore: async (settings) => new EtcdFleetStore(await connectEtcd(settings), settings.prefix),
  now: () => Date.now(),
  whoSources: () => ({ sudoUser: process.env.SUDO_USER, login: loginName(), host: hostname() }),
};

function loginName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    // A uid with no passwd entry (a container): the shell's word is all there is.
    return process.env.LOGNAME ?? process.env.USER;
  }
}

export async function readFleetSite(file: string): Promise<{ site: Site; settings: EtcdSettings }> {
  const site = await readSite(file);
  if (!site.etcd) throw new CliError(`${file}: this site has no etcd: section; use /etc/lb/disable and /etc/lb/agent-check on the node`, 2);
  return { site, settings: site.etcd };
}

export async function openFleetStore(settings: EtcdSettings, deps: FleetDeps): Promise<FleetStore> {
  let store: FleetStore;
  try {
    store = await deps.openStore(settings);
  } catch (err) {
    if (err instanceof EtcdSettingsError) throw new CliError(err.message, 2, { cause: err });
    throw unreachable(settings, err);
  }
  return guarded(store, settings);
}

const unreachable = (settings: EtcdSettings, err: unknown, after = ''): CliError =>
  new CliError(`cannot reach etcd at ${settings.endpoints.join(', ')}: ${etcdErrorText(err)}${after}`, 2, { cause: err });

/** The same store, each failure one CliError; a commit whose answer was lost may or may not be in. */
function guarded(store: FleetStore, settings: EtcdSettings): FleetStore {
  const wrap = async <T>(call: () => Promise<T>, after = ''): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw unreachable(settings, err, after);
    }
  };
  return {
    read: () => wrap(() => store.read()),
    commit: (generation, write) => wrap(() => store.commit(generation, write), `; the change may or may not be in: tierlb history ${write.event.name} shows`),
    history: (limit, name) => wrap(() => store.history(limit, name)),
    close: () => store.close(),
  };
}

/** A value in etcd tierlb cannot read is left out, and said, with its key, so that someone can mend it. */
export const problemLines = (problems: readonly ValueProblem[], leftOut: string): string[] =>
  problems.map((p) => `tierlb: warning: ${p.key}: ${p.problem}; ${leftOut}`);
