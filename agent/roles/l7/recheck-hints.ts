// The L7 node's end of the recheck hints (tiers/l4/recheck-hint.ts): once
// HAProxy has taken a new enabler state (the operator's drain or down, the
// way back up), every L4 node is told to check this node now, so the change
// reaches their IPVS in one check round trip instead of up to a whole check
// interval. Best effort: a lost hint leaves the L4 nodes' next regular check
// to see the change. Sent from this node's address of the family the L4
// nodes check it on, so they can tell it is from this node.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Site, SiteNode } from '../../../site/index.js';
import { hintTargets, recheckHintText, type HintTarget } from '../../../tiers/l4/recheck-hint.js';
import type { Logger } from '../../observe/log.js';
import type { EnablerState } from './enabler.js';

/** Sends one datagram from `from` to `to`; rejects on an error. */
export type HintSend = (bytes: Uint8Array, to: HintTarget, from: string) => Promise<void>;

export const udpHintSend: HintSend = (bytes, to, from) => new Promise((resolve, reject) => {
  const socket = createSocket(isIPv6(from) ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
  const done = (err?: Error | null): void => {
    try { socket.close(); } catch { /* already closed */ }
    if (err) reject(err); else resolve();
  };
  socket.once('error', done);
  socket.bind({ address: from, port: 0 }, () => socket.send(bytes, to.port, to.address, (err) => done(err)));
});

export class RecheckHints {
  private told: string | undefined;
  private lastError: string | undefined;

  constructor(private readonly send: HintSend, private readonly log: Logger) {}

  /** Tells every L4 node to check this node now, once per enabler state HAProxy took. */
  async tell(site: Site, node: SiteNode, state: EnablerState): Promise<void> {
    const key = JSON.stringify(state);
    if (key === this.told) return;
    this.told = key;
    const targets = hintTargets(site, node);
    if (!targets) return;
    const bytes = Buffer.from(recheckHintText(node.name), 'latin1');
    const results = await Promise.allSettled(targets.to.map((t) => this.send(bytes, t, targets.from)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${targets.to[i]?.address ?? '?'}: ${(r.reason as Error).message}`] : []));
    const error = failed.length > 0 ? failed.join('; ') : undefined;
    if (error !== undefined && error !== this.lastError) this.log.warn({ failed }, 'recheck hints not sent to every L4 node; they see the change at their next check');
    this.lastError = error;
    this.log.debug({ to: targets.to.length, failed: failed.length }, 'recheck hints sent');
  }
}
