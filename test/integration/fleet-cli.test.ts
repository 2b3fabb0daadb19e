// pool, depool, drain and history against a real etcd member, in-process
// through cli/run.ts with the real etcd store: what etcd holds afterwards,
// an expiry that passes, the audit trail, and a member that cannot be reached.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EtcdFleetStore } from '../../agent/drivers/etcd/store.js';
import { runCli } from '../../cli/run.js';
import { pooledAt } from '../../fleet/record.js';
import { runCli as runCliProcess } from '../helpers/cli.js';
import { etcdForFile, freePort } from '../helpers/etcd.js';
import { writeFleetSite } from '../helpers/fleet-site.js';

const etcd = etcdForFile();
let n = 0;


/** A site file of its own prefix, so that each test starts from an empty fleet state. */
function freshSite(): { file: string; prefix: string } {
  const prefix = `/fleet-cli/t${n++}`;
  return { file: writeFleetSite(mkdtempSync(join(tmpdir(), 'tierlb-fleet-cli-')), { endpoint: etcd.member().endpoint, prefix }), prefix };
}

async function tierlb(file: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'tierlb', ...args, '--config', file], { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

const recordOf = async (prefix: string, name: string) => (await new EtcdFleetStore(etcd.client(), prefix).read()).records.get(name);

describe('tierlb pool, depool, drain on etcd', () => {
  it('depools an L4 node: the record is in etcd and the output says what the site will do', async () => {
    const { file, prefix } = freshSite();
    const r = await tierlb(file, 'depool', 'l4-1', '--reason', 'kernel upgrade', '--who', 'alice@ops');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^l4-1: yes -> no \(depooled by alice@ops: kernel upgrade\)\n {2}web: l4-1 withdraws .*; 2 of 3 L4 nodes keep announcing \(l4-2, l4-3\)\n/);
    expect(await recordOf(prefix, 'l4-1')).toMatchObject({ pooled: 'no', reason: 'kernel upgrade', who: 'alice@ops' });
  });

  it('refuses a second L4 node under maxL4Withdrawn: 1 with exit 4, and pools the first back', async () => {
    const { file, prefix } = freshSite();
    expect((await tierlb(file, 'drain', 'l4-1', '--reason', 'one')).code).toBe(0);
    const refused = await tierlb(file, 'depool', 'l4-2', '--reason', 'two');
    expect(refused.code).toBe(4);
    expect(refused.err).toMatch(/etcd\.limits\.maxL4Withdrawn: l4-2 would make 2 of 3 L4 nodes out, at most 1; already out: l4-1 \(drain by .*: one\)/);
    expect(await recordOf(prefix, 'l4-2')).toBeUndefined();
    expect((await tierlb(file, 'pool', 'l4-1')).code).toBe(0);
    expect(await recordOf(prefix, 'l4-1')).toMatchObject({ pooled: 'yes' });
  });

  it('reads a record whose --ttl has passed as pooled, in the limits too', async () => {
    const { file, prefix } = freshSite();
    const r = await tierlb(file, 'depool', 'l4-1', '--reason', 'short', '--ttl', '2s');
    expect(r.code, r.err).toBe(0);
    const record = await recordOf(prefix, 'l4-1');
    expect(pooledAt(record, Date.now())).toBe('no');
    expect((await tierlb(file, 'depool', 'l4-2', '--reason', 'too soon')).code).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(pooledAt(record, Date.now())).toBe('yes');
    const after = await tierlb(file, 'depool', 'l4-2', '--reason', 'now');
    expect(after.code, after.err).toBe(0);
    expect(after.out).toMatch(/; 2 of 3 L4 nodes keep announcing \(l4-1, l4-3\)\n/);
  });

  it('keeps the history: who, when, why, from and to, until when', async () => {
    const { file } = freshSite();
    const before = new Date().toISOString();
    await tierlb(file, 'drain', 'l7-2', '--reason', 'haproxy upgrade', '--ttl', '1h', '--who', 'alice@ops');
    await tierlb(file, 'pool', 'l7-2', '--weight', '50%', '--who', 'bob@ops');
    await tierlb(file, 'depool', 'srv-3', '--reason', 'disk', '--who', 'carol@ops');
    const r = await tierlb(file, 'history', 'l7-2');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S+Z {2}l7-2 {2}yes -> drain {2}alice@ops: haproxy upgrade, until \S+Z$/);
    expect(lines[1]).toMatch(/^\S+Z {2}l7-2 {2}drain -> yes {4}bob@ops, at 50% of its weight$/);
    expect((lines[0] ?? '').slice(0, 24) >= before).toBe(true);
    const all = JSON.parse((await tierlb(file, 'history', '--json')).out) as { name: string; who: string }[];
    expect(all.map((e) => `${e.name} ${e.who}`)).toEqual(['l7-2 alice@ops', 'l7-2 bob@ops', 'srv-3 carol@ops']);
  });
});

describe('tierlb depool without etcd', () => {
  it('exits 2 within seconds with one line naming the endpoint, not a stack', async () => {
    const port = await freePort();
    const file = writeFleetSite(mkdtempSync(join(tmpdir(), 'tierlb-fleet-cli-')), { endpoint: `http://127.0.0.1:${port}` });
    const started = Date.now();
    const r = await runCliProcess(['depool', 'l4-1', '--reason', 'x', '--config', file]);
    const took = Date.now() - started;
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^tierlb: cannot reach etcd at http://127\\.0\\.0\\.1:${port}: \\S[^\\n]*[^\\s:]$`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(took).toBeLessThan(10_000);
  });
});
