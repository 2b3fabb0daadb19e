// `npm run bench:fleet-reaction [-- reps]`: how long a change of the fleet
// state in etcd takes to reach HAProxy, outside the lab kernel: a real etcd
// member and a real `tierlb agent` for l7-1 with a real HAProxy, in a network
// namespace of this host. Timed from just before the change's transaction
// (made here, as `tierlb depool` makes it) to the agent's log line that says
// HAProxy has it. Beside it, the obvious alternative for the same node: its
// agent-check file (`echo down > /etc/lb/agent-check`), timed from the file's
// change time to the same log line. p50 / p99 of each.
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { quantile } from './reactions/stats.js';
import { EtcdFleetStore } from '../agent/drivers/etcd/store.js';
import { commitChange } from '../fleet/change.js';
import type { Pooled } from '../fleet/record.js';
import { startAgentProcess, writeSiteFile, type AgentProcess } from '../test/helpers/agent.js';
import { startEtcd, type EtcdMember } from '../test/helpers/etcd.js';
import { addLoopbackAddresses, createNetns, linkToHost, type Netns } from '../test/helpers/netns.js';
import { exampleValue } from '../test/helpers/site.js';

const REPS = Math.min(200, Math.max(1, Number(process.argv[2] ?? 20) || 20));
/** Each reaction must show within this, or the run stops: the agent is not reacting. */
const REACTION_BOUND_MS = 10_000;
const PREFIX = '/tierlb/bench';

/** The times of the agent's log lines with `msg` after byte `from` of its output. */
function loggedAt(agent: AgentProcess, from: number, msg: RegExp): number[] {
  return agent.output().slice(from).split('\n').flatMap((line) => {
    try {
      const e = JSON.parse(line) as { time?: string; msg?: string };
      return msg.test(e.msg ?? '') ? [Date.parse(e.time ?? '')] : [];
    } catch {
      return [];
    }
  });
}

/** The time of the `count`th such line: a server in two backends is drained once both are. */
async function until(agent: AgentProcess, from: number, msg: RegExp, what: string, count = 1): Promise<number> {
  const end = Date.now() + REACTION_BOUND_MS;
  for (;;) {
    const at = loggedAt(agent, from, msg)[count - 1];
    if (at !== undefined) return at;
    if (Date.now() > end) throw new Error(`no "${msg.source}" within ${REACTION_BOUND_MS} ms of ${what}; agent output ends:\n${agent.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One change as `tierlb depool/pool` commits it; the instant just before its transaction. */
async function change(store: EtcdFleetStore, name: string, to: Pooled): Promise<number> {
  const at = Date.now();
  const record = { pooled: to, reason: 'bench', who: 'bench@host', when: new Date(at).toISOString() };
  const r = await commitChange(store, (s) => ({ kind: 'write', write: { record, event: { ...record, name, from: s.records.get(name)?.pooled ?? 'yes' } } }));
  if (r.kind !== 'committed') throw new Error(`the change of ${name} did not commit: ${r.kind}`);
  return at;
}

const fmt = (xs: readonly number[]): string => `${quantile(xs, 0.5)?.toFixed(1)} / ${quantile(xs, 0.99)?.toFixed(1)} ms`;
const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

async function main(): Promise<void> {
  let ns: Netns | undefined;
  let etcd: EtcdMember | undefined;
  let agent: AgentProcess | undefined;
  let client: Etcd3 | undefined;
  try {
    ns = await createNetns('bfl');
    await addLoopbackAddresses(ns, ['10.0.1.31', 'fd00:1::31']);
    const { nsIp } = await linkToHost(ns, 'bfh');
    etcd = await startEtcd({ wrap: ['ip', 'netns', 'exec', ns.name], host: nsIp });
    const site = { ...exampleValue(), etcd: { endpoints: [etcd.endpoint], prefix: PREFIX } };
    agent = await startAgentProcess(writeSiteFile(site), 'l7-1', { wrap: ['ip', 'netns', 'exec', ns.name], statusHost: nsIp });
    await until(agent, 0, /^enabler state pushed to haproxy$/, 'the start');
    client = new Etcd3({ hosts: etcd.endpoint });
    const store = new EtcdFleetStore(client, PREFIX);
    const times = { serverDrain: [] as number[], serverReady: [] as number[], nodeDown: [] as number[], fileDown: [] as number[] };
    const file = join(agent.dir, 'etc-lb', 'agent-check');
    for (let i = 0; i < REPS; i++) {
      let from = agent.output().length;
      let at = await change(store, 'srv-1', 'no');
      times.serverDrain.push((await until(agent, from, /^server be_\w+\/srv-1 drain/, 'depool srv-1', 2)) - at);
      await pause();
      from = agent.output().length;
      at = await change(store, 'srv-1', 'yes');
      times.serverReady.push((await until(agent, from, /^server be_\w+\/srv-1 ready/, 'pool srv-1', 2)) - at);
      await pause();
      from = agent.output().length;
      at = await change(store, 'l7-1', 'no');
      times.nodeDown.push((await until(agent, from, /^enabler state pushed/, 'depool l7-1')) - at);
      await pause();
      from = agent.output().length;
      await change(store, 'l7-1', 'yes');
      await until(agent, from, /^enabler state pushed/, 'pool l7-1');
      await pause();
      from = agent.output().length;
      writeFileSync(file, 'down\n');
      const changedAt = statSync(file).mtimeMs;
      times.fileDown.push((await until(agent, from, /^enabler state pushed/, 'the file\'s down')) - changedAt);
      await pause();
      from = agent.output().length;
      // Removed, not `up`: a file that is there wins over etcd, and the next round depools through etcd.
      rmSync(file);
      await until(agent, from, /^enabler state pushed/, 'the file\'s removal');
      await pause();
      process.stdout.write(`\r${i + 1}/${REPS}`);
    }
    process.stdout.write('\n');
    console.log(`etcd and an L7 agent with HAProxy on this host (${new Date().toISOString()}), ${REPS} repetitions each, p50 / p99:`);
    console.log(`  etcd: depool srv-1 -> drained in HAProxy (both backends): ${fmt(times.serverDrain)}`);
    console.log(`  etcd: pool srv-1 -> ready in HAProxy: ${fmt(times.serverReady)}`);
    console.log(`  etcd: depool l7-1 -> its enabler down in HAProxy: ${fmt(times.nodeDown)}`);
    console.log(`  the alternative, the node's own file: echo down > agent-check -> enabler down: ${fmt(times.fileDown)}`);
  } finally {
    client?.close();
    await agent?.stop().catch(() => undefined);
    await etcd?.remove().catch(() => undefined);
    await ns?.remove().catch(() => undefined);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:fleet-reaction: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
