// Two operators depool different L4 nodes at the same moment, on a site that
// allows one out (maxL4Withdrawn: 1). Each command has its own etcd client;
// whichever commits first, the other's commit fails on the changed
// generation, it reads again, and the limit refuses it. Every round: exactly
// one committed, one refused, one record and one history entry.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EtcdFleetStore } from '../../agent/drivers/etcd/store.js';
import { connectEtcd } from '../../agent/drivers/etcd/connect.js';
import { runCli } from '../../cli/run.js';
import type { EtcdSettings } from '../../site/index.js';
import { etcdForFile } from '../helpers/etcd.js';
import { writeFleetSite } from '../helpers/fleet-site.js';

const ROUNDS = 30;
const PREFIX = '/fleet-race';

const etcd = etcdForFile();
/** Commits that failed because the other change got in first: the race the test is about. */
let overtaken = 0;

/** The real etcd store, a new client per command, counting the commits that lose. */
async function openStore(settings: EtcdSettings): Promise<EtcdFleetStore> {
  const store = new EtcdFleetStore(await connectEtcd(settings), settings.prefix);
  const commit = store.commit.bind(store);
  store.commit = async (generation, write) => {
    const done = await commit(generation, write);
    if (!done) overtaken++;
    return done;
  };
  return store;
}


async function depool(file: string, name: string, who: string): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runCli(['node', 'tierlb', 'depool', name, '--reason', 'race', '--who', who, '--config', file], { out: () => undefined, err: (t) => { err += t; } }, { fleet: { openStore } });
  return { code, err };
}

describe('two depools racing past maxL4Withdrawn: 1', () => {
  it(`commits exactly one of them, ${ROUNDS} rounds out of ${ROUNDS}`, async () => {
    const file = writeFleetSite(mkdtempSync(join(tmpdir(), 'tierlb-fleet-race-')), { endpoint: etcd.member().endpoint, prefix: PREFIX, maxL4Withdrawn: 1 });
    const store = new EtcdFleetStore(etcd.client(), PREFIX);
    for (let round = 0; round < ROUNDS; round++) {
      await etcd.client().delete().prefix(`${PREFIX}/`);
      const runs = await Promise.all([depool(file, 'l4-1', 'alice@a'), depool(file, 'l4-2', 'bob@b')]);
      const codes = runs.map((r) => r.code).sort();
      expect(codes, `round ${round}: ${runs.map((r) => r.err).join(' | ')}`).toEqual([0, 4]);
      const refused = runs.find((r) => r.code === 4);
      expect(refused?.err).toMatch(/etcd\.limits\.maxL4Withdrawn: l4-\d would make 2 of 3 L4 nodes out, at most 1; already out: l4-\d \(no by (alice@a|bob@b): race\)/);
      expect([...(await store.read()).records.keys()]).toHaveLength(1);
      expect((await store.history(10)).events).toHaveLength(1);
    }
    // Both read before either committed in some rounds at least, or the test proved nothing.
    expect(overtaken).toBeGreaterThan(0);
  });
});
