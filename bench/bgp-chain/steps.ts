// The repetitions: from a node announcing the VIP, the speaker is asked for
// the graceful-shutdown community, then the withdraw, then the announce
// again, each once the one before has settled, as an L4 agent's disable and
// enable drive it (without the drain time between the first two: it only
// waits). Each action's hops are timed from the speaker node's own stamp of
// the call.
import type { Speaker } from '../reactions/speaker-site.js';
import type { Chain } from './chain.js';
import { wallClock } from './clock.js';
import { kernelHops } from './reached.js';
import { ACTIONS, type Action, type ActionRun, type ChainSample } from './samples.js';

/** How long the routers may take before a repetition counts them as never done. */
const SETTLE_MS = 10000;
/** A withdraw changes no kernel route: the reflectors' receipt ends it. */
const RECEIPT_MS = 3000;
/** Quiet between actions, so a late update of one is not read as the next one's. */
const PAUSE_MS = 300;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(ms: number, holds: () => boolean): Promise<boolean> {
  const end = wallClock() + ms;
  while (!holds()) {
    if (wallClock() > end) return false;
    await sleep(5);
  }
  return true;
}

const expectedHops = (chain: Chain, a: Action): string[] => [...(a.routedThrough ? [chain.speakerAddress] : []), chain.steadyAddress].sort();

async function act(chain: Chain, a: Action): Promise<{ sample: ChainSample; problem?: string }> {
  const answer = await chain.speaker.set(a.announced ? [{ vip: chain.vip, gracefulShutdown: a.gracefulShutdown }] : []);
  if (answer.error !== undefined) throw new Error(`the speaker did not take "${a.call}": ${answer.error}`);
  const from = answer.began;
  const expected = expectedHops(chain, a);
  const kernel = () => kernelHops(chain.routes.events(), chain.vip, chain.routers, from, expected);
  if (a.announced) await until(SETTLE_MS, () => kernel().every !== null);
  else await until(RECEIPT_MS, () => chain.reflectors.firstFrom(chain.speakerAddress, from) !== undefined);
  await sleep(PAUSE_MS);
  const k = kernel();
  const received = chain.reflectors.firstFrom(chain.speakerAddress, from);
  // To the µs: what the stamps resolve.
  const rel = (t: number | null | undefined): number | null => (t === null || t === undefined ? null : Math.round((t - from) * 1000) / 1000);
  const sample: ChainSample = { hops: {
    'speaker answered': rel(answer.answered),
    'first reflector got it': rel(received),
    'first router kernel': rel(k.first),
    'every router kernel': rel(k.every),
  } };
  const tables = await chain.kernelHops();
  const wrong = [...tables].filter(([, hops]) => hops.join(' ') !== expected.join(' '));
  const unexpected = !a.announced && k.changes > 0 ? `${k.changes} kernel route changes after a withdraw` : undefined;
  const problem = wrong.length > 0 ? `routers not at ${expected.join('+')}: ${wrong.map(([rt, h]) => `${rt} ${h.join('+') || 'none'}`).join(', ')}` : unexpected;
  return problem === undefined ? { sample } : { sample, problem };
}

/** An action's last hop for the progress line: the routers' for an announce, the reflectors' for a withdraw. */
function progressOf(a: Action, s: ChainSample): string {
  const end = a.announced ? s.hops['every router kernel'] : s.hops['first reflector got it'];
  return `${a.id} ${end === null ? 'not seen' : `${end.toFixed(1)} ms`}${a.announced ? '' : ' (reflector)'}`;
}

export interface Repeated {
  readonly runs: readonly ActionRun[];
  readonly notes: readonly string[];
}

/** Up to `reps` repetitions of every action, none begun after `deadline` (ms since the epoch). */
export async function repeatActions(chain: Chain, speaker: Speaker, reps: number, deadline: number, say: (line: string) => void): Promise<Repeated> {
  const samples = new Map<string, ChainSample[]>(ACTIONS.map((a) => [a.id, []]));
  const notes: string[] = [];
  const runs = (): ActionRun[] => ACTIONS.map((a) => ({ speaker, action: a.id, samples: samples.get(a.id) ?? [] }));
  try {
    for (let i = 1; i <= reps; i++) {
      if (Date.now() > deadline) {
        notes.push(`${speaker}: stopped after ${i - 1} of ${reps} repetitions, at the time bound`);
        break;
      }
      const shown: string[] = [];
      for (const a of ACTIONS) {
        const r = await act(chain, a);
        samples.get(a.id)?.push(r.sample);
        if (r.problem !== undefined) notes.push(`${speaker}, repetition ${i}, ${a.call}: ${r.problem}`);
        shown.push(progressOf(a, r.sample));
      }
      say(`  ${speaker} ${i}/${reps}: ${shown.join(', ')}`);
    }
  } catch (error) {
    // What was measured before stays in the table.
    notes.push(`${speaker}: ended early: ${(error as Error).message}`);
  }
  return { runs: runs(), notes };
}
