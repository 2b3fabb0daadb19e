// Talking to a reflector's gobgpd through its gRPC API on loopback: is it
// there, which AS and router id it runs, which neighbors it has and in which
// state. The answers are read in tiers/ecmp/gobgp-peers.ts; a failed call or
// an answer of another shape reads as undefined (no answer).
import { connect } from 'node:net';
import { parseGobgpBgp, parseGobgpPeers, type GobgpGlobal, type GobgpNeighbor } from '../../tiers/ecmp/gobgp-peers.js';
import type { GobgpApiPort } from '../drivers/gobgp/api-port.js';

export type { GobgpGlobal, GobgpNeighbor } from '../../tiers/ecmp/gobgp-peers.js';

export interface GobgpApi {
  readonly host: string;
  readonly port: number;
}

/**
 * Whether anything accepts connections on the API's address: a plain TCP
 * connect, which answers at once where nothing listens, before any gRPC
 * call is made on a channel that would then retry.
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

export async function gobgpGlobal(api: GobgpApiPort): Promise<GobgpGlobal | undefined> {
  const r = await api.getBgp();
  return r.ok ? parseGobgpBgp(r.value) : undefined;
}

export async function gobgpNeighbors(api: GobgpApiPort): Promise<GobgpNeighbor[] | undefined> {
  const r = await api.listPeer();
  return r.ok ? parseGobgpPeers(r.value) : undefined;
}
