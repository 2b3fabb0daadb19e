// The L4 node's end of the recheck hints (tiers/l4/recheck-hint.ts): one UDP
// socket per address of the node on the agent-check port, each datagram
// handed over with its sender. Opened and closed by a ListenerSet, which keeps
// what it bound and follows the site's port and addresses.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Opener } from '../apply/listeners.js';
import { MAX_HINT_BYTES } from '../../tiers/l4/recheck-hint.js';

export type HintHandler = (bytes: Uint8Array, from: string) => void;

export function recheckOpener(onDatagram: HintHandler): Opener {
  return (endpoint) => new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(endpoint.host) ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
    socket.on('message', (bytes, info) => {
      // A datagram longer than any hint is cut to one byte past the longest: the reader refuses it on its length.
      onDatagram(bytes.length > MAX_HINT_BYTES ? bytes.subarray(0, MAX_HINT_BYTES + 1) : bytes, info.address);
    });
    socket.once('error', reject);
    socket.bind({ address: endpoint.host, port: endpoint.port, exclusive: true }, () => {
      socket.off('error', reject);
      // Later errors (none expected for a bound UDP socket) must not end the agent.
      socket.on('error', () => undefined);
      resolve({
        port: socket.address().port,
        close: () => new Promise<void>((done) => { try { socket.close(() => done()); } catch { done(); } }),
      });
    });
  });
}
