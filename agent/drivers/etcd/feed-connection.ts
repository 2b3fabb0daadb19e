// The agent's connection to the fleet state: a range read of the pool
// records, a watch that only says "changed" (the feed reads the whole, small
// set again, so it never has to apply events in order), and a probe.
import type { Watcher } from 'etcd3';
import type { EtcdSettings } from '../../../site/index.js';
import { generationKey, poolDir } from '../../../fleet/keys.js';
import type { FleetConnection, FleetRead } from '../../inputs/fleet-feed.js';
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
      watcher.on('data', () => changed());
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
