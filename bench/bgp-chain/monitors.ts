// What the bench listens to while it runs: `ip -ts monitor route` in each
// router's namespace (the stamp is ip's, as it reads the kernel's message)
// and `gobgp monitor adj-in` in each reflector's (stamped as its line reaches
// this process). Both start before the first announce and stop with the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { parseRouteEvents, type RouteEvent } from '../../lab/guest/route-events.js';
import { wallClock } from './clock.js';

/** Bounded: a run sees some hundreds of route changes and updates. */
const MAX_LINES = 200000;

function follow(command: string, args: readonly string[], onLines: (lines: string[], at: number) => void): ChildProcess {
  const p = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  p.stdout?.setEncoding('utf8');
  let partial = '';
  p.stdout?.on('data', (chunk: string) => {
    const at = wallClock();
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    onLines(parts, at);
  });
  return p;
}

export interface RouteWatch {
  /** Every route event seen so far, each naming its router. */
  events(): RouteEvent[];
  stop(): void;
}

export function watchRoutes(routers: readonly { readonly name: string; readonly netns: string }[]): RouteWatch {
  const lines = new Map<string, string[]>();
  const procs = routers.map((rt) => {
    const mine: string[] = [];
    lines.set(rt.name, mine);
    // ip flushes after each message: a multipath route's lines arrive together.
    return follow('ip', ['-n', rt.netns, '-ts', 'monitor', 'route'], (parts) => { if (mine.length < MAX_LINES) mine.push(...parts); });
  });
  return {
    events: () => [...lines].flatMap(([router, mine]) => parseRouteEvents(mine.join('\n'), router)),
    stop: () => { for (const p of procs) p.kill('SIGTERM'); },
  };
}

export interface ReflectorWatch {
  /** The first update any reflector received from `address` at or after `from`. */
  firstFrom(address: string, from: number): number | undefined;
  stop(): void;
}

export function watchReflectors(netns: readonly string[]): ReflectorWatch {
  const seen: { at: number; text: string }[] = [];
  const procs = netns.map((ns) => follow('ip', ['netns', 'exec', ns, 'gobgp', 'monitor', 'adj-in', '-j'], (parts, at) => {
    if (seen.length < MAX_LINES) for (const text of parts) seen.push({ at, text });
  }));
  return {
    firstFrom(address, from) {
      const quoted = `"neighbor-ip":"${address}"`;
      return seen.find((l) => l.at >= from && l.text.includes(quoted))?.at;
    },
    stop: () => { for (const p of procs) p.kill('SIGTERM'); },
  };
}
