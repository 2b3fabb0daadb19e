// The etcd FleetStore against a real etcd member: records and history read
// back, a stale read cannot commit, and a value tierlb did not write is a
// problem, not a record.
import { describe, expect, it } from 'vitest';
import { EtcdFleetStore } from '../../agent/drivers/etcd/store.js';
import type { FleetWrite } from '../../fleet/store.js';
import type { Pooled } from '../../fleet/record.js';
import { etcdForFile } from '../helpers/etcd.js';

const etcd = etcdForFile();
let n = 0;


function write(name: string, pooled: Pooled, from: Pooled = 'yes'): FleetWrite {
  const when = new Date(Date.UTC(2026, 11, 3, 6, 0, n++)).toISOString();
  const record = { pooled, reason: `test ${pooled}`, who: 'alice@host', when };
  return { record, event: { ...record, name, from } };
}

describe('EtcdFleetStore', () => {
  it('commits a change against a fresh read and reads it back, with its history', async () => {
    const store = new EtcdFleetStore(etcd.client(), '/t1');
    const before = await store.read();
    expect(before.records.size).toBe(0);
    expect(await store.commit(before.generation, write('l4-1', 'no'))).toBe(true);
    const after = await store.read();
    expect(after.records.get('l4-1')).toMatchObject({ pooled: 'no', who: 'alice@host', reason: 'test no' });
    const h = await store.history(10);
    expect(h.events.map((e) => `${e.name} ${e.from}->${e.pooled}`)).toEqual(['l4-1 yes->no']);
  });

  it('refuses a commit from a read that another change overtook', async () => {
    const store = new EtcdFleetStore(etcd.client(), '/t2');
    const a = await store.read();
    const b = await store.read();
    expect(await store.commit(a.generation, write('l4-1', 'no'))).toBe(true);
    expect(await store.commit(b.generation, write('l4-2', 'no'))).toBe(false);
    expect([...(await store.read()).records.keys()]).toEqual(['l4-1']);
  });

  it('keeps the newest events of one name, oldest first', async () => {
    const store = new EtcdFleetStore(etcd.client(), '/t3');
    for (const [name, p] of [['srv-1', 'no'], ['srv-2', 'no'], ['srv-1', 'yes'], ['srv-1', 'drain']] as const) {
      expect(await store.commit((await store.read()).generation, write(name, p))).toBe(true);
    }
    expect((await store.history(2, 'srv-1')).events.map((e) => e.pooled)).toEqual(['yes', 'drain']);
    expect((await store.history(10)).events).toHaveLength(4);
  });

  it('reads a value it cannot decode as a problem and leaves it out', async () => {
    await etcd.client().put('/t4/pool/l7-1').value('{"pooled":"maybe"}');
    await etcd.client().put('/t4/pool/../x').value('{}');
    const s = await new EtcdFleetStore(etcd.client(), '/t4').read();
    expect(s.records.size).toBe(0);
    expect(s.problems.map((p) => p.key).sort()).toEqual(['/t4/pool/../x', '/t4/pool/l7-1']);
    expect(s.problems.find((p) => p.key === '/t4/pool/l7-1')?.problem).toMatch(/pooled/);
  });
});
