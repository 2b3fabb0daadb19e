// A real etcd member (Debian's etcd-server) on loopback for one test file:
// its own data folder and free ports, healthy before the test starts, gone
// after it. `stop()` and `start()` again keep the data: the same member back.
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
  stop(): Promise<void>;
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

/** `wrap` runs it inside a namespace (['ip', 'netns', 'exec', NS]) on `host`, an address of that namespace the caller reaches. */
export async function startEtcd(opts: { readonly wrap?: readonly string[]; readonly host?: string } = {}): Promise<EtcdMember> {
  const dir = await mkdtemp(join(tmpdir(), 'tierlb-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const host = opts.host ?? '127.0.0.1';
  const endpoint = `http://${host}:${client}`;
  let child: ChildProcess | undefined;
  let log = '';
  const member: EtcdMember = {
    endpoint,
    async start() {
      const [cmd, ...pre] = [...(opts.wrap ?? []), 'etcd'];
      child = spawn(cmd ?? 'etcd', [...pre,
        '--name', 'test', '--data-dir', join(dir, 'data'),
        '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
        '--listen-peer-urls', `http://${host}:${peer}`, '--initial-advertise-peer-urls', `http://${host}:${peer}`,
        '--initial-cluster', `test=http://${host}:${peer}`,
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (b: Buffer) => { log = (log + b.toString()).slice(-4000); });
      child.stderr?.on('data', (b: Buffer) => { log = (log + b.toString()).slice(-4000); });
      try {
        await healthy(endpoint, 15_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${log}`);
      }
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    },
    async remove() {
      await member.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await member.start();
  return member;
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
