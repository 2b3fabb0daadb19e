// Finding the BGP daemon a previous agent of this node left running. Routers
// and reflectors outlive a crashed agent (they carry everyone's routes); the
// next agent must take that daemon over, not start a second one that would
// fight it for the control socket and port 179. The daemon is recognised by
// its exact command line: the same binary with the same arguments (config
// file, socket, pid file, API address), or with the arguments of a restart
// (a router's BIRD restarted with -R), is this node's daemon, and nothing
// else is.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
  /** The arguments it runs with after a restart, when they differ. */
  readonly restartArgs?: readonly string[];
}

/** The pid of the one process whose argv is `command args...` or `command restartArgs...` (argv[0] compared by basename), or undefined. */
export function findDaemonPid(want: CommandLine, procDir = '/proc'): number | undefined {
  const restarted = want.restartArgs ? { command: want.command, args: want.restartArgs } : undefined;
  const matches: number[] = [];
  for (const entry of safeReaddir(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = readArgv(join(procDir, entry, 'cmdline'));
    if (argv && (sameCommandLine(argv, want) || (restarted && sameCommandLine(argv, restarted)))) matches.push(Number(entry));
  }
  // Two would already be fighting each other; adopting the lowest pid is as
  // good as any, and a deterministic choice.
  return matches.sort((a, b) => a - b)[0];
}

export function sameCommandLine(argv: readonly string[], want: CommandLine): boolean {
  const [first, ...rest] = argv;
  if (first === undefined || basename(first) !== basename(want.command)) return false;
  return rest.length === want.args.length && rest.every((a, i) => a === want.args[i]);
}

function readArgv(path: string): string[] | undefined {
  try {
    const raw = readFileSync(path, 'utf8');
    if (raw === '') return undefined;
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
