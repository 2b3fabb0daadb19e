// FleetStore on etcd: one range read of the pool records, and each change as
// one transaction that commits only if no change committed since that read
// (the generation key's mod revision against the read's revision).
import type { Etcd3 } from 'etcd3';
import { decodeEvent, decodeRecord, encodeEvent, encodeRecord, type HistoryEvent, type PoolRecord } from '../../../fleet/record.js';
import { generationKey, historyDir, historyKey, nameUnder, poolDir, poolKey } from '../../../fleet/keys.js';
import type { FleetHistory, FleetSnapshot, FleetStore, FleetWrite, ValueProblem } from '../../../fleet/store.js';

interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** The records under PREFIX/pool/; a value tierlb cannot read is a problem, not a record. */
export function recordsOf(prefix: string, kvs: readonly KeyValue[]): { records: Map<string, PoolRecord>; problems: ValueProblem[] } {
  const records = new Map<string, PoolRecord>();
  const problems: ValueProblem[] = [];
  for (const kv of kvs) {
    const key = kv.key.toString();
    const name = nameUnder(poolDir(prefix), key);
    if (name === undefined) {
      problems.push({ key, problem: 'not a node or server name' });
      continue;
    }
    const r = decodeRecord(kv.value.toString());
    if (r.ok) records.set(name, r.value);
    else problems.push({ key, name, problem: r.problem });
  }
  return { records, problems };
}

export class EtcdFleetStore implements FleetStore {
  constructor(private readonly client: Etcd3, private readonly prefix: string) {}

  async read(): Promise<FleetSnapshot> {
    const res = await this.client.getAll().prefix(poolDir(this.prefix)).exec();
    const revision = Number(res.header.revision);
    return { revision, generation: revision, ...recordsOf(this.prefix, res.kvs) };
  }

  async commit(generation: number, write: FleetWrite): Promise<boolean> {
    const at = Date.parse(write.event.when);
    const res = await this.client
      .if(generationKey(this.prefix), 'Mod', '<', generation + 1)
      .then(
        this.client.put(generationKey(this.prefix)).value(write.event.when),
        this.client.put(poolKey(this.prefix, write.event.name)).value(encodeRecord(write.record)),
        this.client.put(historyKey(this.prefix, at, write.event.name)).value(encodeEvent(write.event)),
      )
      .commit();
    return res.succeeded;
  }

  async history(limit: number, name?: string): Promise<FleetHistory> {
    // Newest first from etcd, so that a limit keeps the newest; a name filters after the read.
    const res = await this.client.getAll().prefix(historyDir(this.prefix)).sort('Key', 'Descend').limit(name === undefined ? limit : 10_000).exec();
    const events: HistoryEvent[] = [];
    const problems: ValueProblem[] = [];
    for (const kv of res.kvs) {
      const e = decodeEvent(kv.value.toString());
      if (!e.ok) problems.push({ key: kv.key.toString(), problem: e.problem });
      else if (name === undefined || e.value.name === name) events.push(e.value);
    }
    return { events: events.slice(0, limit).reverse(), problems };
  }

  close(): void {
    this.client.close();
  }
}
