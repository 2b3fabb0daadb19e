// What gobgpd announces, read back from `gobgp global rib -a FAMILY -j`.
import { z } from 'zod';
import { toIp, type Family } from '../../site/index.js';
import type { Announcement } from './speaker.js';

/** RFC 8326's GRACEFUL_SHUTDOWN, 65535:0, as gobgp's JSON prints a community: one 32-bit number. */
const GRACEFUL_SHUTDOWN = 0xffff0000;
/** BGP path attribute type code of COMMUNITIES. */
const COMMUNITIES_ATTR = 8;

const RibJson = z.record(z.string(), z.array(z.object({
  attrs: z.array(z.object({ type: z.number(), communities: z.array(z.number()).optional() })),
  // Set on paths learned from a peer (the reflector sends the other L4 nodes' paths); absent on ours.
  'neighbor-ip': z.string().optional(),
})));

/**
 * The VIPs this node itself announces, from `gobgp global rib -a FAMILY -j`:
 * host routes of our own paths (no neighbor), with their graceful-shutdown
 * flag. Other prefixes are not the agent's and are left out.
 */
export function parseGobgpRib(json: string, family: Family): Announcement[] {
  const rib = RibJson.parse(JSON.parse(json === '' ? '{}' : json));
  const hostBits = family === 'ipv4' ? '32' : '128';
  return Object.entries(rib).flatMap(([prefix, paths]) => {
    const [address = '', bits] = prefix.split('/');
    const vip = toIp(address);
    const own = paths.find((p) => p['neighbor-ip'] === undefined);
    if (!vip.ok || bits !== hostBits || !own) return [];
    const communities = own.attrs.filter((a) => a.type === COMMUNITIES_ATTR).flatMap((a) => a.communities ?? []);
    return [{ vip: vip.value, gracefulShutdown: communities.includes(GRACEFUL_SHUTDOWN) }];
  });
}
