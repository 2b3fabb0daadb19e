// Which L7 node the L4 nodes' kernels send each tuple of scenario `moved` to:
// the probe (moved-probe.ts) opens one batch of connections from the users
// namespace and holds them open while every L4 node's connection table is
// read (ECMP spreads the tuples over the L4 nodes, whose tables agree), then
// resets them and opens the next batch. Each answer is read from an entry
// the tuple's own SYN just made: an open connection's entry stays
// ESTABLISHED for 15 minutes, so no read races a timeout, and the reset
// leaves it in CLOSE, from which the next learn's SYN is scheduled afresh.
// An entry of a sample tuple found before a learn in any other state would
// hand the new SYN its old real server: such tuples are left out.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { inNode, progress, type LabEnv } from '../../../lab/guest/env.js';
import { nodeOfAddress } from '../../../lab/guest/observe.js';
import { nsArgs } from '../../../lab/guest/reaction.js';
import type { MovedTable } from '../moved-plan.js';
import { learnedChoices, staleTuples, type Learned, type NodeConnections } from '../moved-share.js';
import type { Tuple } from '../moved-tuples.js';
import { l4Names } from './under-load.js';

/** Connections opened at once: a few hundred keeps the SYNs within the L7 nodes' listen queues and each table read short. */
const BATCH = 400;
/** A SYN lost in the busy lab kernel is sent again after 1 s, then 2 s and 4 s more. */
const CONNECT_MS = 10000;
/** One learn at most; what it read by then counts, the rest of the tuples are not seen. */
export const LEARN_MS = 12 * 60 * 1000;

export interface LearnResult {
  readonly learned: Learned;
  /** Tuples with an entry before the learn that their new SYN would reuse. */
  readonly stale: ReadonlySet<string>;
  readonly opened: number;
  readonly failed: Readonly<Record<string, number>>;
  /** L4 nodes' table reads that failed (their tuples are not seen in that batch). */
  readonly failedReads: number;
  readonly ms: number;
  /** Why it ended before every batch, if it did. */
  readonly cut?: string;
}

async function readConnections(env: LabEnv): Promise<{ tables: NodeConnections[]; failed: number }> {
  const reads = await Promise.all(l4Names(env).map(async (node) => ({ node, r: await inNode(env, node, 'ipvsadm', ['-Lnc'], 30000) })));
  return { tables: reads.filter((x) => x.r.code === 0).map((x) => ({ node: x.node, text: x.r.stdout })), failed: reads.filter((x) => x.r.code !== 0).length };
}

/** One line of the probe; anything else on its stdout is skipped. */
function parseLine(line: string): { batch?: number; open?: number; failed?: Record<string, number>; done?: boolean } | undefined {
  try {
    return JSON.parse(line) as { batch?: number; open?: number; failed?: Record<string, number>; done?: boolean };
  } catch {
    return undefined;
  }
}

const batchesOf = (tuples: readonly Tuple[]): Tuple[][] => Array.from({ length: Math.ceil(tuples.length / BATCH) }, (_, i) => tuples.slice(i * BATCH, (i + 1) * BATCH));

/** The probe's connections file: each batch's tuples, to the measured VIP and port of their family. */
function writeProbeFile(env: LabEnv, tag: string, batches: readonly (readonly Tuple[])[], tables: readonly MovedTable[]): string {
  const vipOf = new Map(tables.map((t) => [t.family, t]));
  const file = `${env.stateDir}/moved-${tag}.json`;
  writeFileSync(file, JSON.stringify({
    connectMs: CONNECT_MS,
    batches: batches.map((b) => b.flatMap((t) => { const v = vipOf.get(t.family); return v ? [{ host: v.vip, port: v.port, local: t.client, localPort: t.port }] : []; })),
  }));
  return file;
}

interface Probe {
  readonly lines: AsyncIterable<string>;
  /** `next` or `stop`, after a batch was read. */
  answer(word: 'next' | 'stop'): void;
  /** Waits for the probe to end (killed past a bound); how it ended. */
  end(): Promise<string>;
}

/** The probe in the users namespace, bounded: past `LEARN_MS` and a margin it is killed. */
function startProbe(env: LabEnv, probe: string, file: string): Probe {
  const p = spawn('nsenter', [...nsArgs(env, 'users'), '--', env.node, probe, file], { stdio: ['pipe', 'pipe', 'pipe'] });
  // A probe that died is seen at the end of its output; a write to it then must not end the bench.
  p.stdin.on('error', () => undefined);
  let stderr = '';
  p.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  const kill = setTimeout(() => p.kill('SIGKILL'), LEARN_MS + 120000);
  const ended = new Promise<void>((resolve) => p.once('close', () => resolve()));
  return {
    lines: createInterface({ input: p.stdout }),
    answer(word) { p.stdin.write(`${word}\n`); },
    async end() {
      p.stdin.end();
      // It ends on its own after `stop` or the end of its input; one that does not within 30 s is killed.
      const late = setTimeout(() => p.kill('SIGKILL'), 30000);
      await ended;
      clearTimeout(late);
      clearTimeout(kill);
      return `exit ${p.exitCode ?? p.signalCode ?? '?'}${stderr.trim() ? `: ${stderr.trim().slice(-200)}` : ''}`;
    },
  };
}

export async function learnChoices(env: LabEnv, tuples: readonly Tuple[], tables: readonly MovedTable[], probe: string, tag: string): Promise<LearnResult> {
  const started = Date.now();
  const first = await readConnections(env);
  const stale = staleTuples(first.tables, tuples, tables);
  const batches = batchesOf(tuples);
  const choices = new Map<string, string>();
  const conflicts = new Set<string>();
  const failed: Record<string, number> = {};
  let opened = 0;
  let failedReads = first.failed;
  let cut: string | undefined;
  let done = 0;
  const p = startProbe(env, probe, writeProbeFile(env, tag, batches, tables));
  let ended: string;
  try {
    for await (const line of p.lines) {
      const m = parseLine(line);
      if (m?.batch === undefined) { if (m?.done === true) break; continue; }
      opened += m.open ?? 0;
      for (const [k, n] of Object.entries(m.failed ?? {})) failed[k] = (failed[k] ?? 0) + n;
      const read = await readConnections(env);
      failedReads += read.failed;
      const got = learnedChoices(read.tables, batches[m.batch] ?? [], tables, (a) => nodeOfAddress(env, a));
      for (const [k, v] of got.choices) choices.set(k, v);
      for (const k of got.conflicts) conflicts.add(k);
      done = m.batch + 1;
      if (done < batches.length && Date.now() - started > LEARN_MS) cut = `stopped after ${done} of ${batches.length} batches: the learn's bound of ${LEARN_MS / 60000} min passed`;
      p.answer(cut === undefined ? 'next' : 'stop');
      if (done % 5 === 0 || cut !== undefined) progress(env, `  learn ${tag}: ${done}/${batches.length} batches, ${choices.size} tuples answered, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    ended = await p.end();
  }
  if (cut === undefined && done < batches.length) cut = `the probe ended after ${done} of ${batches.length} batches (${ended})`;
  const result: LearnResult = { learned: { choices, conflicts }, stale, opened, failed, failedReads, ms: Date.now() - started, ...(cut !== undefined ? { cut } : {}) };
  writeFileSync(`${env.logDir}/moved-${tag}.json`, JSON.stringify({ ...result, learned: { choices: Object.fromEntries(choices), conflicts: [...conflicts] }, stale: [...stale] }, null, 1));
  return result;
}
