// Talking to a reflector's gobgpd through the gobgp CLI on its loopback API:
// is it there, which AS and router id it runs, which neighbors it has and in
// which state. The JSON is gobgp 3.x's (`-j`); anything else reads as empty.
import { connect } from 'node:net';
import type { Runner, RunResult } from '../../tiers/common/runner.js';

const TIMEOUT_MS = 5000;

export interface GobgpApi {
  readonly host: string;
  readonly port: number;
}

export function gobgp(run: Runner, api: GobgpApi, args: readonly string[]): Promise<RunResult> {
  return run('gobgp', ['-u', api.host, '-p', String(api.port), ...args], { timeoutMs: TIMEOUT_MS });
}

/**
 * Whether anything accepts connections on the API's address: asked before
 * the gobgp CLI, whose every run is a process start and which waits about a
 * second before it gives up on an address where nothing listens.
 */
export function gobgpApiListens(api: GobgpApi, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: api.host, port: api.port });
    const done = (ok: boolean): void => { clearTimeout(timer); socket.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface GobgpGlobal {
  readonly asn: number;
  readonly routerId: string;
}

/** `gobgp global -j`: {"asn":64512,"router_id":"10.0.0.11",...}. */
export function parseGobgpGlobal(text: string): GobgpGlobal | undefined {
  const v = parseJson(text);
  if (!isRecord(v) || typeof v.asn !== 'number' || typeof v.router_id !== 'string') return undefined;
  return { asn: v.asn, routerId: v.router_id };
}

export async function gobgpGlobal(run: Runner, api: GobgpApi): Promise<GobgpGlobal | undefined> {
  const r = await gobgp(run, api, ['global', '-j']);
  return r.exitCode === 0 ? parseGobgpGlobal(r.stdout) : undefined;
}

export interface GobgpNeighbor {
  readonly address: string;
  readonly description: string;
  /** idle, connect, active, opensent, openconfirm, established, or unknown. */
  readonly state: string;
  /** Routes received and accepted, summed over the neighbor's families. */
  readonly received: number;
  readonly accepted: number;
}

// gobgp's api.PeerState_SessionState, which `-j` prints as its number.
const SESSION_STATES = ['unknown', 'idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'];

/** `gobgp neighbor -j`: an array of peers; a peer without an address is skipped. */
export function parseGobgpNeighbors(text: string): GobgpNeighbor[] | undefined {
  const v = parseJson(text);
  if (!Array.isArray(v)) return undefined;
  return v.flatMap((peer): GobgpNeighbor[] => {
    if (!isRecord(peer)) return [];
    const conf = isRecord(peer.conf) ? peer.conf : {};
    const state = isRecord(peer.state) ? peer.state : {};
    const address = typeof conf.neighbor_address === 'string' ? conf.neighbor_address : typeof state.neighbor_address === 'string' ? state.neighbor_address : undefined;
    if (address === undefined) return [];
    const families = Array.isArray(peer.afi_safis) ? peer.afi_safis.filter(isRecord) : [];
    const count = (key: string): number => families.reduce((n, f) => n + (isRecord(f.state) && typeof f.state[key] === 'number' ? f.state[key] : 0), 0);
    return [{
      address,
      description: typeof conf.description === 'string' ? conf.description : '',
      state: sessionState(state.session_state),
      received: count('received'),
      accepted: count('accepted'),
    }];
  });
}

export async function gobgpNeighbors(run: Runner, api: GobgpApi): Promise<GobgpNeighbor[] | undefined> {
  const r = await gobgp(run, api, ['neighbor', '-j']);
  return r.exitCode === 0 ? parseGobgpNeighbors(r.stdout) : undefined;
}

function sessionState(v: unknown): string {
  if (typeof v === 'number') return SESSION_STATES[v] ?? 'unknown';
  // Older gobgp printed the enum's name ("ESTABLISHED", "SESSION_STATE_ESTABLISHED").
  if (typeof v === 'string') return v.toLowerCase().replace(/^session_state_/, '');
  return 'unknown';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
