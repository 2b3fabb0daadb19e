// When each reflector received an update from an L4 node: `gobgp monitor
// adj-in` in every reflector (IPv4, one line per update), stamped as the
// lines arrive in this process. The stamp trails the reflector's receipt by
// the lab kernel's scheduling of the monitor and of this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { nodeNamed, nodesWithRole } from '../../../site/index.js';
import type { LabEnv } from '../../../lab/guest/env.js';
import { nsArgs } from '../../../lab/guest/reaction.js';

export interface ReflectorWatch {
  /** The first update from `l4` that any reflector received at or after `from`; undefined if none yet. */
  firstFrom(l4: string, from: number): number | undefined;
  stop(): void;
}

export function reflectorWatch(env: LabEnv): ReflectorWatch {
  const lines: { at: number; text: string }[] = [];
  const procs: ChildProcess[] = nodesWithRole(env.site, 'reflector').map((rr) => {
    const p = spawn('nsenter', [...nsArgs(env, rr.name), '--', 'gobgp', 'monitor', 'adj-in', '-j'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.stdout?.setEncoding('utf8');
    let partial = '';
    p.stdout?.on('data', (c: string) => {
      const at = Date.now();
      const parts = (partial + c).split('\n');
      partial = parts.pop() ?? '';
      // Bounded: a bench run sees a few thousand updates at most.
      if (lines.length < 200000) for (const text of parts) lines.push({ at, text });
    });
    return p;
  });
  return {
    firstFrom(l4, from) {
      const address = nodeNamed(env.site, l4)?.addresses.ipv4;
      if (address === undefined) return undefined;
      const quoted = `"${address}"`;
      return lines.find((l) => l.at >= from && l.text.includes(quoted))?.at;
    },
    stop() { for (const p of procs) p.kill('SIGTERM'); },
  };
}
