// Debian's Prometheus inside the lab: started in one node's network
// namespace (a router's, which is on every segment and so reaches every
// agent), its storage on the lab kernel's tmpfs, asked through its HTTP API
// from inside that namespace, stopped at the end. The lab kernel's root is
// the host's, so the package installed on the host is the one that runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { progress, run, sleep, until, type LabEnv, type Ran } from '../../guest/env.js';
import { nsArgs } from '../../guest/reaction.js';
import type { Series } from '../model.js';

const LISTEN = '127.0.0.1:9090';
/** Its first start in the lab kernel reads and replays an empty TSDB: seconds, on one busy CPU more. */
const READY_MS = 180_000;
const STOP_MS = 30_000;

export interface Prometheus {
  readonly node: string;
  /** When it answered ready, ms. */
  readonly readyAt: number;
  api(path: string, params?: Readonly<Record<string, string>>, timeoutMs?: number): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startPrometheus(env: LabEnv, node: string, dir: string, config: string): Promise<Prometheus> {
  mkdirSync(`${dir}/data`, { recursive: true });
  writeFileSync(`${dir}/prometheus.yml`, config);
  const log = openSync(`${env.logDir}/prometheus.log`, 'a');
  const child = spawn('nsenter', [...nsArgs(env, node), '--', 'prometheus',
    `--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=${LISTEN}`,
    '--storage.tsdb.retention.time=1d', '--log.level=info'], { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const curl = (args: readonly string[], timeoutMs: number): Promise<Ran> => run('nsenter', [...nsArgs(env, node), '--', 'curl', '-sS', '--max-time', String(Math.ceil(timeoutMs / 1000)), ...args], timeoutMs + 5000);
  const ready = await until(READY_MS, async () => (child.exitCode !== null ? false : (await curl([`http://${LISTEN}/-/ready`], 5000)).code === 0 ? true : undefined), 1000);
  if (ready.value !== true) {
    await stopChild(child, exited);
    throw new Error(`Prometheus in ${node} ${child.exitCode !== null ? `exited with status ${child.exitCode}` : `was not ready within ${READY_MS / 1000} s`} (${env.logDir}/prometheus.log)`);
  }
  progress(env, `Prometheus ready in ${node} at ${LISTEN} after ${(ready.ms / 1000).toFixed(1)} s`);
  return {
    node,
    readyAt: Date.now(),
    api: async (path, params = {}, timeoutMs = 30000) => {
      const r = await curl(['-G', ...Object.entries(params).flatMap(([k, v]) => ['--data-urlencode', `${k}=${v}`]), `http://${LISTEN}${path}`], timeoutMs);
      if (r.code !== 0) throw new Error(`GET ${path}: curl exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
      return JSON.parse(r.stdout) as unknown;
    },
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(STOP_MS).then(() => false)]);
  if (!done) { child.kill('SIGKILL'); await exited; }
}

interface ApiAnswer { status?: string; error?: string; data?: { resultType?: string; result?: unknown } }

/** A range query: its series, or the error Prometheus gave. */
export async function queryRange(p: Prometheus, expr: string, start: number, end: number, step: number): Promise<{ series: Series[]; error?: string }> {
  try {
    const a = await p.api('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) }) as ApiAnswer;
    if (a.status !== 'success') return { series: [], error: a.error ?? `status ${a.status ?? 'missing'}` };
    return { series: (a.data?.result ?? []) as Series[] };
  } catch (e) {
    return { series: [], error: (e as Error).message };
  }
}

interface TargetsAnswer { data?: { activeTargets?: { labels?: Record<string, string>; health?: string; lastError?: string }[] } }

/** Each scrape target's health as Prometheus last saw it: instance → "up" or the error. */
export async function targetHealth(p: Prometheus): Promise<Map<string, string>> {
  const a = await p.api('/api/v1/targets', { state: 'active' }) as TargetsAnswer;
  return new Map((a.data?.activeTargets ?? []).map((t) => [t.labels?.instance ?? '?', t.health === 'up' ? 'up' : `${t.health ?? '?'}: ${t.lastError ?? ''}`]));
}
