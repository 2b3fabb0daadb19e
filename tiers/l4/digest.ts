// A short fingerprint of one service's table: what decides the Maglev
// table (destination order, weights, flags), so `tierlb status` can show
// at a glance whether every L4 node schedules a VIP the same way.
import { createHash } from 'node:crypto';
import { endpoint, type IpvsService } from './model.js';

/** The canonical text the digest hashes: `tcp VIP:PORT mh FLAGS; DEST W; DEST W; ...`. */
export function tableText(service: IpvsService): string {
  const flags = service.flags.length > 0 ? service.flags.join(',') : '-';
  const head = `${service.protocol} ${endpoint(service.vip, service.port)} ${service.scheduler} ${flags}`;
  const dests = service.destinations.map((d) => `${endpoint(d.address, d.port)} ${d.weight}`);
  return [head, ...dests].join('; ');
}

/** First 12 hex characters of the SHA-256 of tableText(service). */
export function tableDigest(service: IpvsService): string {
  return createHash('sha256').update(tableText(service)).digest('hex').slice(0, 12);
}
