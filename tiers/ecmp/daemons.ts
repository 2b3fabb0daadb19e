// How the agent's supervisor runs the ECMP tier's daemons, and how each one
// takes a new config. Pure data: the supervisor (agent/supervise) runs it.
//
// Both daemons run in the foreground so the supervisor owns them. An L4
// node's speaker should die with the agent (`dieWithAgent`): the kernel sends
// it SIGTERM when the agent dies, the sessions drop (or the hold time
// expires), the routers withdraw this node's paths and traffic moves to the
// other L4 nodes, where Maglev keeps the flows. A speaker that outlived its
// agent would go on announcing VIPs nobody checks any more. Routers and
// reflectors carry everyone's routes and must keep running, so they do not.
import type { SiteNode } from '../../site/index.js';

/**
 * The shape of the supervisor's DaemonSpec, declared here because tiers
 * never import agent/; TypeScript's structural typing makes it one.
 */
export interface DaemonCommand {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly stopTimeoutMs?: number;
  /** Routers and reflectors carry everyone's routes: they keep running if the agent dies. */
  readonly outlivesAgent?: boolean;
  /** Arguments for a start after the daemon died, when they must differ from the first start's. */
  readonly restartArgs?: readonly string[];
}

/** How a running daemon takes a new config file. */
export type DaemonReload =
  | { readonly kind: 'command'; readonly command: string; readonly args: readonly string[] }
  | { readonly kind: 'signal'; readonly signal: 'SIGHUP' };

export interface LifeOptions {
  /** Default: true on L4 nodes (their speaker), false on routers and reflectors. */
  readonly dieWithAgent?: boolean;
}

export interface GobgpdOptions extends LifeOptions {
  readonly configFile: string;
  readonly apiHost: string;
  readonly apiPort: number;
}

export interface BirdOptions extends LifeOptions {
  readonly configFile: string;
  readonly socket: string;
  readonly pidFile: string;
}

// Long enough for BIRD and gobgpd to send their NOTIFICATIONs (an explicit,
// immediate withdraw at the peers) before SIGKILL.
const STOP_TIMEOUT_MS = 5000;

export function gobgpdSpec(node: SiteNode, options: GobgpdOptions): DaemonCommand {
  const api = options.apiHost.includes(':') ? `[${options.apiHost}]:${options.apiPort}` : `${options.apiHost}:${options.apiPort}`;
  // The gRPC API on the given address only, and no pprof listener (its default is localhost:6060, one per host).
  const args = ['-f', options.configFile, '--api-hosts', api, '--pprof-disable'];
  return withLife(node, options, { name: 'gobgpd', command: 'gobgpd', args, stopTimeoutMs: STOP_TIMEOUT_MS });
}

/**
 * A router's BIRD that died is started again with `-R`: graceful-restart
 * recovery, so the new BIRD leaves the routes its predecessor installed in
 * the kernel until its BGP sessions have refilled the table (bird.conf says
 * how, and bounds the wait). Not on a first start: a router that has just
 * booted has no routes to keep, and its first routes would wait for every
 * peer's End-of-RIB, up to that bound while a reflector is down, for nothing.
 */
export function birdSpec(node: SiteNode, options: BirdOptions): DaemonCommand {
  const args = ['-f', '-c', options.configFile, '-s', options.socket, '-P', options.pidFile];
  const restartArgs = node.role === 'router' ? [...args, '-R'] : undefined;
  return withLife(node, options, { name: 'bird', command: 'bird', args, stopTimeoutMs: STOP_TIMEOUT_MS, ...(restartArgs ? { restartArgs } : {}) });
}

/**
 * The BFD-only BIRD beside gobgpd on an L4 node: its own supervisor name,
 * socket and pid file. It dies with the agent, as the speaker does; a plain
 * first start after a death (no -R: it holds no routes).
 */
export function birdBfdSpec(node: SiteNode, options: BirdOptions): DaemonCommand {
  const args = ['-f', '-c', options.configFile, '-s', options.socket, '-P', options.pidFile];
  return withLife(node, options, { name: 'bird-bfd', command: 'bird', args, stopTimeoutMs: STOP_TIMEOUT_MS });
}

/**
 * `birdc configure` re-reads bird.conf and its includes; BIRD refuses a file
 * with an error and keeps running the old one.
 */
export function birdReload(socket: string): DaemonReload {
  return { kind: 'command', command: 'birdc', args: ['-s', socket, 'configure'] };
}

/**
 * gobgpd 3.10 re-reads its config file on SIGHUP (checked: a neighbor added to
 * the file appears; a broken file is logged and the running config kept). It
 * applies neighbor, peer-group and policy changes only: a new AS or router id
 * needs a restart.
 */
export function gobgpdReload(): DaemonReload {
  return { kind: 'signal', signal: 'SIGHUP' };
}

/**
 * setpriv (util-linux) sets PR_SET_PDEATHSIG, then execs the daemon: same
 * pid, and SIGTERM when the process that spawned it dies. The signal follows
 * the spawning thread; Node spawns from its main thread, which lives as long
 * as the agent.
 */
function withLife(node: SiteNode, options: LifeOptions, spec: DaemonCommand): DaemonCommand {
  const die = options.dieWithAgent ?? node.role === 'l4';
  if (!die) return { ...spec, outlivesAgent: true };
  const wrap = (args: readonly string[]): string[] => ['--pdeathsig', 'TERM', '--', spec.command, ...args];
  return { ...spec, command: 'setpriv', args: wrap(spec.args), ...(spec.restartArgs ? { restartArgs: wrap(spec.restartArgs) } : {}) };
}
