// `npm run bench:l7-reaction [-- reps]`: the L7 agent's hop of an operator's
// `down`/`up`, outside the lab kernel: a real `tierlb agent` for l7-1 with a
// real HAProxy in a network namespace of this host, timed from the
// agent-check file's own change time (its mtime) to the agent's log line
// "enabler state pushed to haproxy", the same two instants the reactions
// bench reads in the lab. Beside it, the push itself (the agent logs its
// duration: three runtime API commands). The backends are absent: the
// enabler's state does not depend on them.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantile } from './reactions/stats.js';
import { startAgentProcess, writeSiteFile, type AgentProcess } from '../test/helpers/agent.js';
import { addLoopbackAddresses, createNetns, linkToHost, type Netns } from '../test/helpers/netns.js';
import { exampleValue } from '../test/helpers/site.js';

const REPS = Math.min(200, Math.max(1, Number(process.argv[2] ?? 20) || 20));
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

/** An agent stopped past its bound leaves HAProxy serving, as a crashed one does (the next agent adopts it): a bench must not. */
function stopLeftHaproxy(agent: AgentProcess): void {
  try {
    const pid = Number(readFileSync(join(agent.dir, 'run', 'haproxy.pid'), 'utf8').trim());
    if (pid > 1) process.kill(pid, 'SIGKILL');
  } catch {
    // No pid file, or the master is gone already.
  }
}

const fmt = (xs: readonly number[]): string => `${quantile(xs, 0.5)?.toFixed(1)} / ${quantile(xs, 0.99)?.toFixed(1)} ms`;

async function main(): Promise<void> {
  let ns: Netns | undefined;
  let agent: AgentProcess | undefined;
  try {
    ns = await createNetns('bl7');
    await addLoopbackAddresses(ns, ['10.0.1.31', 'fd00:1::31']);
    // The agent's status endpoint listens in the namespace: startAgentProcess waits for it from here.
    const { nsIp } = await linkToHost(ns, 'b7h');
    agent = await startAgentProcess(writeSiteFile(exampleValue()), 'l7-1', { wrap: ['ip', 'netns', 'exec', ns.name], statusHost: nsIp });
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
    if (agent) stopLeftHaproxy(agent);
    await ns?.remove().catch(() => undefined);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:l7-reaction: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
