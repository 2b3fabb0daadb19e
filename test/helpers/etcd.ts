// A real etcd member (Debian's etcd-server) on loopback for one test file:
// its own data folder and free ports, healthy before the test starts, gone
// after it. `stop()` and `start()` again keep the data: the same member back.
// Or a cluster of several such members, one of which a test may kill.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll } from 'vitest';

export interface EtcdMember {
  readonly endpoint: string;
  start(): Promise<void>;
  /** SIGTERM: the member shuts down cleanly. */
  stop(): Promise<void>;
  /** SIGKILL: the member is gone at once, as in a crash. */
  kill(): Promise<void>;
  /** Stops it and removes its data. */
  remove(): Promise<void>;
}

/** A loopback port nothing listens on now: taken, then given back. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function healthy(endpoint: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = await res.text();
      if (res.ok && body.includes('true')) return;
      last = body;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd at ${endpoint} not healthy within ${ms} ms: ${last}`);
}

interface MemberSpec {
  readonly name: string;
  readonly dir: string;
  readonly host: string;
  readonly client: number;
  readonly peer: number;
  /** Every member of the cluster as NAME=PEER-URL, this one included. */
  readonly cluster: string;
  readonly token: string;
  readonly wrap?: readonly string[];
}

const peerUrl = (s: { host: string; peer: number }): string => `http://${s.host}:${s.peer}`;

/** One etcd process of `spec`, not started; healthy once its cluster has a leader. */
function memberOf(spec: MemberSpec): EtcdMember & { spawn(): void; healthy(): Promise<void> } {
  const endpoint = `http://${spec.host}:${spec.client}`;
  let child: ChildProcess | undefined;
  let log = '';
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };
  const member = {
    endpoint,
    spawn() {
      const [cmd, ...pre] = [...(spec.wrap ?? []), 'etcd'];
      child = spawn(cmd ?? 'etcd', [...pre,
        '--name', spec.name, '--data-dir', join(spec.dir, 'data'),
        '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
        '--listen-peer-urls', peerUrl(spec), '--initial-advertise-peer-urls', peerUrl(spec),
        '--initial-cluster', spec.cluster, '--initial-cluster-token', spec.token,
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (b: Buffer) => { log = (log + b.toString()).slice(-4000); });
      child.stderr?.on('data', (b: Buffer) => { log = (log + b.toString()).slice(-4000); });
    },
    async healthy() {
      try {
        await healthy(endpoint, 15_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${log}`);
      }
    },
    async start() {
      member.spawn();
      await member.healthy();
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async remove() {
      await member.kill();
      await rm(spec.dir, { recursive: true, force: true });
    },
  };
  return member;
}

/** `wrap` runs it inside a namespace (['ip', 'netns', 'exec', NS]) on `host`, an address of that namespace the caller reaches. */
export async function startEtcd(opts: { readonly wrap?: readonly string[]; readonly host?: string } = {}): Promise<EtcdMember> {
  const dir = await mkdtemp(join(tmpdir(), 'tierlb-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const host = opts.host ?? '127.0.0.1';
  const member = memberOf({ name: 'test', dir, host, client, peer, cluster: `test=${peerUrl({ host, peer })}`, token: 'etcd-cluster', ...(opts.wrap ? { wrap: opts.wrap } : {}) });
  await member.start();
  return member;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  readonly endpoints: readonly string[];
  /** The member that is the leader now, by each running member's own status; undefined with no leader. */
  leader(): Promise<EtcdMember | undefined>;
  /** Kills every member and removes their data; safe to call after a failed start. */
  remove(): Promise<void>;
}

/**
 * `size` members of one cluster on loopback, each with its own data folder
 * and client and peer ports, all named in every member's --initial-cluster;
 * returned once every member says it is healthy (a leader elected). Call
 * remove() even when this throws: `onMembers` hands over the members before
 * they are healthy, so that the caller can clean up after a failed start.
 */
export async function startEtcdCluster(size: number, onMembers?: (cluster: EtcdCluster) => void): Promise<EtcdCluster> {
  const host = '127.0.0.1';
  const specs: Omit<MemberSpec, 'cluster' | 'token'>[] = [];
  for (let i = 0; i < size; i++) {
    specs.push({ name: `m${i}`, dir: await mkdtemp(join(tmpdir(), 'tierlb-etcd-')), host, client: await freePort(), peer: await freePort() });
  }
  // freePort gives a port back before the next call: two calls may give the same one.
  const ports = specs.flatMap((s) => [s.client, s.peer]);
  if (new Set(ports).size !== ports.length) throw new Error(`the same loopback port given twice: ${ports.join(', ')}`);
  const cluster = specs.map((s) => `${s.name}=${peerUrl(s)}`).join(',');
  const token = `tierlb-test-${process.pid}-${ports[0] ?? 0}`;
  const members = specs.map((s) => memberOf({ ...s, cluster, token }));
  const whole: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.endpoint),
    async leader() {
      for (const m of members) {
        const client = new Etcd3({ hosts: m.endpoint, dialTimeout: 1000, defaultCallOptions: () => ({ deadline: Date.now() + 2000 }) });
        try {
          const s = await client.maintenance.status();
          if (s.header.member_id === s.leader) return m;
        } catch {
          // A member killed or without a leader answers nothing: ask the next.
        } finally {
          client.close();
        }
      }
      return undefined;
    },
    async remove() {
      await Promise.all(members.map((m) => m.remove()));
    },
  };
  onMembers?.(whole);
  // Each waits for the others to elect a leader: all spawned before any is asked.
  for (const m of members) m.spawn();
  await Promise.all(members.map((m) => m.healthy()));
  return whole;
}

export interface FileMember {
  readonly member: () => EtcdMember;
  /** A client of the member, for reading and writing around what a test does. */
  readonly client: () => Etcd3;
}

/** One member for the test file that calls it: started before its tests, removed after them. */
export function etcdForFile(): FileMember {
  let etcd: EtcdMember | undefined;
  let client: Etcd3 | undefined;
  beforeAll(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoint });
  });
  afterAll(async () => {
    client?.close();
    await etcd?.remove();
  });
  const started = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('the etcd member of this file is not started yet');
    return x;
  };
  return { member: () => started(etcd), client: () => started(client) };
}
