// Starts a real `tierlb agent` process for a node of a site file, with its
// own folders, and stops it with SIGTERM (a planned stop) afterwards.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO } from './site.js';

export interface AgentProcess {
  readonly dir: string;
  readonly siteFile: string;
  readonly statusUrl: string;
  readonly child: ResultPromise;
  readonly output: () => string;
  stop(): Promise<void>;
}

export function writeSiteFile(value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-site-'));
  const file = join(dir, 'site.yaml');
  writeFileSync(file, stringify(value));
  return file;
}

let nextPort = 19400 + (process.pid % 500) * 2;

/**
 * `wrap` runs the agent inside a namespace: e.g. ['ip', 'netns', 'exec', NS].
 * `statusHost`: the address its status endpoint listens on, one the test can
 * reach (inside a namespace, 127.0.0.1 is the namespace's own loopback).
 */
export async function startAgentProcess(siteFile: string, node: string, opts: { wrap?: readonly string[]; extra?: readonly string[]; statusHost?: string; env?: Readonly<Record<string, string>> } = {}): Promise<AgentProcess> {
  const statusHost = opts.statusHost ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), `tierlb-agent-${node}-`));
  for (const d of ['etc-lb', 'run', 'state', 'conf']) mkdirSync(join(dir, d));
  const port = nextPort++;
  const args = [
    '--import', 'tsx', join(REPO, 'cli', 'main.ts'), 'agent', '--config', siteFile, '--node', node,
    '--disable-file', join(dir, 'etc-lb', 'disable'), '--agent-check-file', join(dir, 'etc-lb', 'agent-check'),
    '--run-dir', join(dir, 'run'), '--state-dir', join(dir, 'state'), '--config-dir', join(dir, 'conf'),
    '--listen', `${statusHost}:${port}`, ...(opts.extra ?? []),
  ];
  const [cmd, ...pre] = opts.wrap && opts.wrap.length > 0 ? [...opts.wrap, process.execPath] : [process.execPath];
  let text = '';
  const child = execa(cmd as string, [...pre, ...args], { reject: false, all: true, cwd: REPO, env: { TIERLB_LOG_LEVEL: 'debug', ...opts.env } });
  child.all?.on('data', (c: Buffer) => { text += c.toString(); });
  const statusUrl = `http://${statusHost}:${port}`;
  const ready = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent ${node} exited early:\n${text}`);
    const ok = await fetch(`${statusUrl}/status`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > ready) throw new Error(`agent ${node} did not serve status within 20 s:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dir, siteFile, statusUrl, child, output: () => text,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
      await child;
      clearTimeout(timer);
    },
  };
}

/** Polls `get` until it returns a value, for at most `ms`; returns the value and how long it took. */
export async function waitFor<T>(what: string, get: () => Promise<T | undefined> | T | undefined, ms = 5000, everyMs = 20): Promise<{ value: T; tookMs: number }> {
  const start = Date.now();
  for (;;) {
    const v = await get();
    if (v !== undefined) return { value: v, tookMs: Date.now() - start };
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
