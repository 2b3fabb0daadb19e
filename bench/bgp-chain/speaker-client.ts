// The bench's side of a speaker node (speaker-node.ts): starts it in the
// node's network namespace, sends it whole announced sets one at a time, and
// reads its answers. `setpriv --pdeathsig KILL` ends the node (and so, by its
// own parent-death signal, its daemon) if the bench dies without cleaning up.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Announcement } from '../../tiers/ecmp/index.js';
import { REPO } from '../../test/helpers/site.js';
import { readAnswer, type SpeakerAnswer, type SpeakerRequest } from './protocol.js';

const PROGRAM = join(REPO, 'bench', 'bgp-chain', 'speaker-node.ts');
/** A set the agent's speaker has not answered in this long is a failure (its gRPC deadline is 5 s). */
const ANSWER_TIMEOUT_MS = 15000;

export interface SpeakerNode {
  set(set: readonly Announcement[]): Promise<SpeakerAnswer>;
  /** Asks the node to stop its speaker (SIGTERM, then SIGKILL after the daemon's grace), and waits for it. */
  stop(): Promise<void>;
}

export function startSpeakerNode(opts: { readonly netns: string; readonly site: string; readonly node: string; readonly dir: string; readonly say: (line: string) => void }): SpeakerNode {
  const child: ChildProcessWithoutNullStreams = spawn('ip', [
    'netns', 'exec', opts.netns, 'setpriv', '--pdeathsig', 'KILL', '--',
    process.execPath, '--import', 'tsx', PROGRAM, '--site', opts.site, '--node', opts.node, '--dir', opts.dir,
  ], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map<number, { resolve: (a: SpeakerAnswer) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let ended: Error | undefined;
  const exited = new Promise<void>((resolve) => child.once('close', (code, signal) => {
    ended = new Error(`speaker node ${opts.node} exited (code ${code}, signal ${signal})`);
    for (const w of waiting.values()) w.reject(ended);
    waiting.clear();
    resolve();
  }));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const a = readAnswer(line);
    if (a === undefined) { opts.say(`${opts.node}: ${line}`); return; }
    waiting.get(a.id)?.resolve(a);
    waiting.delete(a.id);
  });
  createInterface({ input: child.stderr }).on('line', (line) => opts.say(`${opts.node}: ${line}`));
  const send = (r: SpeakerRequest): void => { child.stdin.write(`${JSON.stringify(r)}\n`); };

  return {
    set(set) {
      if (ended) return Promise.reject(ended);
      const id = nextId++;
      return new Promise<SpeakerAnswer>((resolve, reject) => {
        const timer = setTimeout(() => { waiting.delete(id); reject(new Error(`${opts.node}: no answer to a set within ${ANSWER_TIMEOUT_MS / 1000} s`)); }, ANSWER_TIMEOUT_MS);
        waiting.set(id, { resolve: (a) => { clearTimeout(timer); resolve(a); }, reject: (e) => { clearTimeout(timer); reject(e); } });
        send({ id, kind: 'set', set });
      });
    },
    async stop() {
      if (!ended) {
        send({ id: nextId++, kind: 'stop' });
        child.stdin.end();
        const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}
