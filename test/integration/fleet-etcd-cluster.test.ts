// The fleet commands and an agent's fleet feed on a real three-member etcd
// cluster, the site naming all three: a change commits; with the leader
// killed a change still commits (two of three are a quorum) and the feed sees
// it; with a second member killed a change is refused in one line and the
// feed keeps the last state it saw (fail static). The times are printed for
// the README; the bounds asserted leave room for a busy host.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { etcdFleetConnection } from '../../agent/drivers/etcd/feed-connection.js';
import { FleetFeed } from '../../agent/inputs/fleet-feed.js';
import { fileSavedFleet } from '../../agent/inputs/fleet-saved.js';
import { systemClock } from '../../agent/ports/clock.js';
import { runCli } from '../../cli/run.js';
import { runCli as runCliProcess } from '../helpers/cli.js';
import { startEtcdCluster, type EtcdCluster, type EtcdMember } from '../helpers/etcd.js';
import { fleetSite, writeFleetSite } from '../helpers/fleet-site.js';

const PREFIX = '/fleet-cluster';
const dir = mkdtempSync(join(tmpdir(), 'tierlb-fleet-cluster-'));
let cluster: EtcdCluster | undefined;
let feed: FleetFeed | undefined;
let file = '';
let endpoints: readonly string[] = [];
const problems: string[] = [];

const waitFor = (check: () => void, timeout: number): Promise<void> => vi.waitFor(check, { timeout, interval: 50 });

async function tierlb(...args: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  let out = '';
  let err = '';
  const started = performance.now();
  const code = await runCli(['node', 'tierlb', ...args, '--config', file], { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err, ms: Math.round(performance.now() - started) };
}

/** The leader now, found by asking each member's status; bounded, since an election may be under way. */
async function leaderOf(c: EtcdCluster): Promise<EtcdMember> {
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const leader = await c.leader();
    if (leader) return leader;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no leader among ${c.endpoints.join(', ')} within 15 s`);
}

const started = (): EtcdCluster => {
  if (!cluster) throw new Error('the cluster of this file is not started');
  return cluster;
};
const following = (): FleetFeed => {
  if (!feed) throw new Error('the feed of this file is not following');
  return feed;
};
const l4 = (): string | undefined => following().current()?.records.get('l4-1')?.pooled;

beforeAll(async () => {
  const clusterStart = performance.now();
  cluster = await startEtcdCluster(3, (c) => { cluster = c; });
  console.log(`etcd cluster of 3 healthy in ${Math.round(performance.now() - clusterStart)} ms`);
  // The leader first in the site's list: a client that used the first endpoint only would fail once it is killed.
  const leader = await leaderOf(cluster);
  endpoints = [leader.endpoint, ...cluster.endpoints.filter((e) => e !== leader.endpoint)];
  file = writeFleetSite(dir, { endpoints, prefix: PREFIX });
  const settings = fleetSite({ endpoints, prefix: PREFIX }).etcd;
  if (!settings) throw new Error('no etcd section');
  feed = new FleetFeed({
    connect: etcdFleetConnection, saved: fileSavedFleet(join(dir, 'fleet-state.json')), clock: systemClock,
    onView: () => undefined, onProblem: (what, why) => problems.push(`${what}: ${why}`),
  });
  await feed.follow(settings);
  await waitFor(() => expect(following().current()?.source).toBe('store'), 15_000);
}, 60_000);

afterAll(async () => {
  // Each step on its own, so that one that fails leaves the others to run.
  await feed?.close().catch(() => undefined);
  await cluster?.remove().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('the fleet on a three-member etcd cluster', () => {
  it('names all three members in the site, and a depool commits and is in the history', async () => {
    expect(fleetSite({ endpoints }).etcd?.endpoints).toEqual(endpoints);
    expect(new Set(endpoints).size).toBe(3);
    const r = await tierlb('depool', 'l4-1', '--reason', 'kernel upgrade', '--who', 'alice@ops');
    expect(r.code, r.err).toBe(0);
    console.log(`depool with 3 of 3 members: ${r.ms} ms`);
    const h = await tierlb('history', 'l4-1');
    expect(h.code, h.err).toBe(0);
    expect(h.out).toMatch(/^\S+Z {2}l4-1 {2}yes -> no +alice@ops: kernel upgrade\n$/);
    await waitFor(() => expect(l4()).toBe('no'), 15_000);
  }, 60_000);

  it('with the leader killed, a pool still commits and the feed sees it', async () => {
    const leader = await leaderOf(started());
    expect(leader.endpoint, 'the leader moved since the start: an idle cluster on loopback should keep it').toBe(endpoints[0]);
    const killedAt = performance.now();
    await leader.kill();
    const r = await tierlb('pool', 'l4-1', '--who', 'bob@ops');
    const committed = Math.round(performance.now() - killedAt);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^l4-1: no -> yes/);
    await waitFor(() => expect(l4()).toBe('yes'), 30_000);
    const seen = Math.round(performance.now() - killedAt);
    const next = await leaderOf(started());
    expect(next).not.toBe(leader);
    console.log(`leader ${leader.endpoint} killed: pool committed ${committed} ms after the kill (the command itself ${r.ms} ms), the feed had it ${seen} ms after the kill; new leader ${next.endpoint}`);
    expect(committed).toBeLessThan(20_000);
    const h = await tierlb('history', 'l4-1');
    expect(h.code, h.err).toBe(0);
    expect(h.out.trimEnd().split('\n')).toHaveLength(2);
    // A member down costs a command little once the new leader is in: a change out and back, each timed.
    const out = await tierlb('depool', 'srv-1', '--reason', 'disk', '--who', 'bob@ops');
    expect(out.code, out.err).toBe(0);
    const back = await tierlb('pool', 'srv-1', '--who', 'bob@ops');
    expect(back.code, back.err).toBe(0);
    console.log(`with 2 of 3 members, after the election: history ${h.ms} ms, depool srv-1 ${out.ms} ms, pool srv-1 ${back.ms} ms`);
    await waitFor(() => expect(following().current()?.records.get('srv-1')?.pooled).toBe('yes'), 15_000);
    await waitFor(() => expect(following().current()?.unreachableSince).toBeUndefined(), 15_000);
  }, 90_000);

  it('with a second member killed (no quorum), a depool is refused in one line and the feed keeps the last state', async () => {
    const c = started();
    const second = await leaderOf(c);
    const killedAt = performance.now();
    await second.kill();
    const r = await tierlb('depool', 'l4-1', '--reason', 'no quorum', '--who', 'carol@ops');
    console.log(`second member ${second.endpoint} killed: depool refused after ${r.ms} ms in-process: ${r.err.trimEnd()}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^tierlb: cannot reach etcd at ${endpoints.join(', ').replace(/\./g, '\\.')}: \\S[^\\n]*\\n$`));
    expect(r.ms).toBeLessThan(30_000);
    const p = performance.now();
    const proc = await runCliProcess(['depool', 'l4-1', '--reason', 'no quorum', '--config', file]);
    const procMs = Math.round(performance.now() - p);
    console.log(`the same depool as a process (node + tsx start included): exit ${proc.exitCode} after ${procMs} ms`);
    expect(proc.exitCode).toBe(2);
    expect(proc.stderr).toMatch(/^tierlb: cannot reach etcd at [^\n]+$/);
    expect(proc.stderr).not.toMatch(/\n\s+at /);
    expect(procMs).toBeLessThan(45_000);
    // The feed says etcd cannot be read (its probe or its watch fails) and keeps what it saw last: l4-1 pooled.
    await waitFor(() => expect(following().current()?.unreachableSince).toBeDefined(), 45_000);
    const cutOff = Math.round(performance.now() - killedAt);
    console.log(`the feed marked etcd unreachable ${cutOff} ms after the second kill: ${following().current()?.unreachableWhy ?? ''}`);
    expect(l4()).toBe('yes');
    expect(following().current()?.source).toBe('store');
    // And the copy on this host, which an agent restarted meanwhile would start from, says the same.
    expect((await fileSavedFleet(join(dir, 'fleet-state.json')).load())?.records.get('l4-1')?.pooled).toBe('yes');
  }, 150_000);
});
