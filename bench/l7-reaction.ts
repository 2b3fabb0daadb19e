// `npm run bench:l7-reaction [-- reps]`: the L7 agent's hop of an operator's
// `down`/`up`, outside the lab kernel: a real `tierlb agent` for l7-1 with a
// real HAProxy in a network namespace of this host, timed from the
// agent-check file's own change time (its mtime) to the agent's log line
// "enabler state pushed to haproxy", the same two instants the reactions
// bench reads in the lab. Beside it, the push itself (the agent logs its
// duration: three runtime API commands). The backends are absent: the
// enabler's state does not depend on them.
import { execa } from 'execa';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantile } from './reactions/stats.js';
import { startAgentProcess, writeSiteFile, type AgentProcess } from '../test/helpers/agent.js';
import { addLoopbackAddresses, createNetns, type Netns } from '../test/helpers/netns.js';
import { exampleValue } from '../test/helpers/site.js';

const REPS = Math.min(200, Math.max(1, Number(process.argv[2] ?? 20) || 20));
/** A veth pair to the namespace, so the agent's status endpoint there is reachable: a /31 out of the link-local range. */
const HOST_IP = `169.254.${(process.pid >> 7) & 255}.${(process.pid & 127) * 2}`;
const NS_IP = HOST_IP.replace(/\d+$/, (n) => String(Number(n) + 1));
const VETH = `b7h${process.pid % 100000}`;
/** Each reaction must show within this, or the run stops: the agent is not reacting. */
const REACTION_BOUND_MS = 10_000;

interface Pushed { readonly at: number; readonly ms: number; readonly state: string }

/** The agent's "enabler state pushed" lines after byte `from` of its output. */
function pushes(agent: AgentProcess, from: number): Pushed[] {
  return agent.output().slice(from).split('\n').flatMap((line) => {
    if (!line.includes('"enabler state pushed to haproxy"')) return [];
    try {
      const e = JSON.parse(line) as { time?: string; ms?: number; enabler?: { state?: string } };
      return [{ at: Date.parse(e.time ?? ''), ms: e.ms ?? NaN, state: e.enabler?.state ?? '?' }];
    } catch {
      return [];
    }
  });
}

async function react(agent: AgentProcess, word: 'down' | 'up'): Promise<{ reactionMs: number; pushMs: number }> {
  const file = join(agent.dir, 'etc-lb', 'agent-check');
  const from = agent.output().length;
  writeFileSync(file, `${word}\n`);
  const changedAt = statSync(file).mtimeMs;
  const until = Date.now() + REACTION_BOUND_MS;
  for (;;) {
    const p = pushes(agent, from)[0];
    if (p) return { reactionMs: p.at - changedAt, pushMs: p.ms };
    if (Date.now() > until) throw new Error(`no push within ${REACTION_BOUND_MS} ms of "${word}"; agent output ends:\n${agent.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fmt = (xs: readonly number[]): string => `${quantile(xs, 0.5)?.toFixed(1)} / ${quantile(xs, 0.99)?.toFixed(1)} ms`;

async function main(): Promise<void> {
  let ns: Netns | undefined;
  let agent: AgentProcess | undefined;
  try {
    ns = await createNetns('bl7');
    await addLoopbackAddresses(ns, ['10.0.1.31', 'fd00:1::31']);
    await execa('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', 'host0', 'netns', ns.name]);
    await execa('ip', ['address', 'add', `${HOST_IP}/31`, 'dev', VETH]);
    await execa('ip', ['link', 'set', VETH, 'up']);
    await ns.exec('ip', ['address', 'add', `${NS_IP}/31`, 'dev', 'host0']);
    await ns.exec('ip', ['link', 'set', 'host0', 'up']);
    agent = await startAgentProcess(writeSiteFile(exampleValue()), 'l7-1', { wrap: ['ip', 'netns', 'exec', ns.name], statusHost: NS_IP });
    const started = Date.now();
    while (pushes(agent, 0).length === 0) {
      if (Date.now() - started > 30_000) throw new Error(`HAProxy not pushed up within 30 s:\n${agent.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const reaction: Record<'down' | 'up', number[]> = { down: [], up: [] };
    const push: number[] = [];
    for (let i = 0; i < REPS; i++) {
      for (const word of ['down', 'up'] as const) {
        const r = await react(agent, word);
        reaction[word].push(r.reactionMs);
        push.push(r.pushMs);
        // Apart as in the lab bench: each change is its own turn.
        await new Promise((res) => setTimeout(res, 300));
      }
      process.stdout.write(`\r${i + 1}/${REPS}`);
    }
    process.stdout.write('\n');
    console.log(`L7 agent on this host (${new Date().toISOString()}), ${REPS} repetitions each, p50 / p99:`);
    console.log(`  agent-check file changed -> "enabler state pushed": down ${fmt(reaction.down)}, up ${fmt(reaction.up)}`);
    console.log(`  of which the push (three runtime API commands): ${fmt(push)}`);
  } finally {
    await agent?.stop().catch(() => undefined);
    await ns?.remove().catch(() => undefined);
    await execa('ip', ['link', 'del', VETH], { reject: false });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:l7-reaction: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
