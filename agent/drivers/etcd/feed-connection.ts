// The agent's connection to the fleet state: a range read of the pool
// records, a watch from that read's revision whose events the feed applies in
// order (no read again per change: every agent of the site would ask at once),
// and a probe.
import type { Watcher } from 'etcd3';
import type { EtcdSettings } from '../../../site/index.js';
import { generationKey, nameUnder, poolDir } from '../../../fleet/keys.js';
import type { FleetChange, FleetConnection, FleetRead } from '../../inputs/fleet-feed.js';
import { connectEtcd, etcdErrorText } from './connect.js';
import { recordsOf } from './store.js';

export async function etcdFleetConnection(settings: EtcdSettings): Promise<FleetConnection> {
  const client = await connectEtcd(settings);
  const prefix = settings.prefix;
  let watcher: Watcher | undefined;
  const fail = (err: unknown): never => {
    throw new Error(`etcd at ${settings.endpoints.join(', ')}: ${etcdErrorText(err)}`);
  };
  return {
    async read(): Promise<FleetRead> {
      const res = await client.getAll().prefix(poolDir(prefix)).exec().catch(fail);
      return { revision: Number(res.header.revision), ...recordsOf(prefix, res.kvs) };
    },
    async watch(fromRevision, changed, failed) {
      watcher = await client.watch().prefix(poolDir(prefix)).startRevision(String(fromRevision + 1)).create().catch(fail);
      watcher.on('data', (res) => changed(res.events.map((e): FleetChange => {
        const key = e.kv.key.toString();
        const name = nameUnder(poolDir(prefix), key);
        return { kind: e.type === 'Delete' ? 'delete' : 'put', key, ...(name !== undefined ? { name } : {}), value: e.kv.value.toString(), revision: Number(e.kv.mod_revision) };
      })));
      watcher.on('disconnected', (err) => failed(etcdErrorText(err)));
      watcher.on('error', (err) => failed(etcdErrorText(err)));
    },
    async probe() {
      await client.get(generationKey(prefix)).exec().catch(fail);
    },
    async close() {
      await watcher?.cancel().catch(() => undefined);
      client.close();
    },
  };
}
