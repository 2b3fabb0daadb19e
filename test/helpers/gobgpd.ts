// A real gobgpd for tests and benches that talk to its API from this
// process: on the host's loopback, on a free port, with BGP's own listener
// off (`port = -1`), so it opens no session and reaches no network.
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gobgpApiListens } from '../../agent/roles/bgp-gobgp.js';
import { waitFor } from './agent.js';

export interface LoopbackGobgpd {
  readonly api: { readonly host: string; readonly port: number };
  readonly pid: number;
  /** Kills this gobgpd and starts another on the same address: a new pid that holds nothing. */
  restart(): Promise<number>;
  signal(signal: NodeJS.Signals): void;
  /** SIGSTOP, then waits until every thread of gobgpd is stopped (at most 5 s): a starved host takes the stop when each thread is next scheduled. */
  freeze(): Promise<void>;
  stop(): Promise<void>;
}

/** True when every thread of `pid` is in state T (stopped by a signal). */
async function allThreadsStopped(pid: number): Promise<boolean> {
  try {
    const tasks = await readdir(`/proc/${pid}/task`);
    const states = await Promise.all(tasks.map(async (t) => {
      const stat = await readFile(`/proc/${pid}/task/${t}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }));
    return states.length > 0 && states.every((s) => s === 'T');
  } catch {
    return false;
  }
}

export async function startLoopbackGobgpd(opts: { routerId?: string; asn?: number } = {}): Promise<LoopbackGobgpd> {
  const dir = await mkdtemp(join(tmpdir(), 'tierlb-gobgpd-'));
  const config = join(dir, 'gobgpd.toml');
  await writeFile(config, `[global.config]\n  as = ${opts.asn ?? 64512}\n  router-id = "${opts.routerId ?? '10.0.0.21'}"\n  port = -1\n`);
  const api = { host: '127.0.0.1', port: await freePort() };
  let child: ResultPromise;
  const start = async (): Promise<void> => {
    child = execa('gobgpd', ['-f', config, '--api-hosts', `${api.host}:${api.port}`, '--pprof-disable'], { reject: false, all: true });
    await waitFor('gobgpd API', async () => ((await gobgpApiListens(api, 200)) ? true : undefined), 10000, 50);
  };
  const kill = async (): Promise<void> => {
    child.kill('SIGKILL');
    await child;
  };
  await start();
  return {
    api,
    get pid() {
      return child.pid ?? -1;
    },
    async restart() {
      await kill();
      await start();
      return child.pid ?? -1;
    },
    signal(signal) {
      child.kill(signal);
    },
    async freeze() {
      child.kill('SIGSTOP');
      const pid = child.pid ?? -1;
      await waitFor('gobgpd stopped', async () => ((await allThreadsStopped(pid)) ? true : undefined), 5000, 10);
    },
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port nothing listens on now (the kernel's choice). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
