// The messages the L4 agent exchanges with gobgpd's gRPC API (gobgp 3.x,
// package apipb), as plain objects in the shape @grpc/proto-loader encodes
// and decodes with `keepCase` and `json`: field names as in gobgp.proto,
// enums by name, a google.protobuf.Any as its `@type` plus its fields. The
// requests carry the same path the `gobgp global rib add` arguments of
// view-gobgp.ts describe; the reading of ListPath answers is the same
// Announcement the CLI's JSON gives. Pure: the client is agent/drivers/gobgp/.
import { z } from 'zod';
import { familyOf, toIp, type Community, type Family, type IpAddress, type Site, type SiteNode } from '../../site/index.js';
import type { Announcement } from './speaker.js';
import { announcedCommunities, type AnnounceOptions } from './view-gobgp.js';

export interface GobgpFamily {
  readonly afi: 'AFI_IP' | 'AFI_IP6';
  readonly safi: 'SAFI_UNICAST';
}

/** A google.protobuf.Any: protobufjs resolves `@type` in the loaded definitions. */
export interface GobgpAny {
  readonly '@type': string;
  readonly [field: string]: unknown;
}

export interface GobgpPath {
  readonly family: GobgpFamily;
  readonly nlri: GobgpAny;
  readonly pattrs: readonly GobgpAny[];
}

export interface AddPathRequest {
  readonly table_type: 'GLOBAL';
  readonly path: GobgpPath;
}

export interface DeletePathRequest {
  readonly table_type: 'GLOBAL';
  readonly family: GobgpFamily;
  readonly path: GobgpPath;
}

export interface ListPathRequest {
  readonly table_type: 'GLOBAL';
  readonly family: GobgpFamily;
}

export type Reading<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const TYPE_PREFIX = 'type.googleapis.com/apipb.';
/** apipb.OriginAttribute's value for IGP (RFC 4271 ORIGIN 0). */
const ORIGIN_IGP = 0;

export function gobgpFamily(family: Family): GobgpFamily {
  return { afi: family === 'ipv4' ? 'AFI_IP' : 'AFI_IP6', safi: 'SAFI_UNICAST' };
}

/** A community `asn:value` as BGP carries it: one 32-bit number. */
export function communityValue(c: Community): number {
  const [asn = 0, value = 0] = c.split(':').map(Number);
  return asn * 0x10000 + value;
}

/**
 * AddPath of `vip` from `node`, the path `gobgpAnnounceArgs` describes:
 * origin IGP, the node's own address of the VIP's family as next hop, the
 * site's communities. Adding a held prefix again replaces its path (gobgpd
 * keeps one local path per prefix). Undefined when the node has no address
 * of the VIP's family.
 */
export function gobgpAddPathRequest(site: Site, node: SiteNode, vip: IpAddress, options: AnnounceOptions): AddPathRequest | undefined {
  const nextHop = node.addresses[familyOf(vip)];
  if (!nextHop) return undefined;
  const communities = announcedCommunities(site, options).map(communityValue);
  const extra = communities.length > 0 ? [any('CommunitiesAttribute', { communities })] : [];
  return { table_type: 'GLOBAL', path: hostPath(vip, nextHop, extra) };
}

/**
 * DeletePath of `vip`'s local path. gobgpd wants a next hop even here (as the
 * CLI's `del`, which sends the unspecified address); it matches the prefix,
 * and deleting a prefix it does not hold is no error.
 */
export function gobgpDeletePathRequest(vip: IpAddress): DeletePathRequest {
  const family = familyOf(vip);
  return { table_type: 'GLOBAL', family: gobgpFamily(family), path: hostPath(vip, family === 'ipv4' ? '0.0.0.0' : '::', []) };
}

export function gobgpListPathRequest(family: Family): ListPathRequest {
  return { table_type: 'GLOBAL', family: gobgpFamily(family) };
}

function hostPath(vip: IpAddress, nextHop: string, extra: readonly GobgpAny[]): GobgpPath {
  const family = familyOf(vip);
  const nlri = any('IPAddressPrefix', { prefix_len: family === 'ipv4' ? 32 : 128, prefix: vip });
  // IPv6 next hops travel in MP_REACH_NLRI (RFC 4760), as the CLI sends them.
  const hop = family === 'ipv4'
    ? any('NextHopAttribute', { next_hop: nextHop })
    : any('MpReachNLRIAttribute', { family: gobgpFamily(family), next_hops: [nextHop], nlris: [nlri] });
  return { family: gobgpFamily(family), nlri, pattrs: [any('OriginAttribute', { origin: ORIGIN_IGP }), hop, ...extra] };
}

function any(type: string, fields: Record<string, unknown>): GobgpAny {
  return { '@type': `${TYPE_PREFIX}${type}`, ...fields };
}

// One ListPathResponse; only what the reading needs is checked, the rest passes.
const PathJson = z.object({
  pattrs: z.array(z.looseObject({ '@type': z.string().optional(), communities: z.array(z.number()).optional() })).default([]),
  // gobgpd sets it on paths learned from a peer and prints "<nil>" (or nothing) on its own.
  neighbor_ip: z.string().optional(),
});
const ListPathJson = z.object({
  destination: z.object({ prefix: z.string(), paths: z.array(PathJson).default([]) }),
});

/**
 * The VIPs this node itself announces, from the ListPath answers of one
 * family: host routes with a local path, and whether that path carries the
 * graceful-shutdown community. Other prefixes are not the agent's and are
 * left out; an answer of another shape makes the whole reading an error,
 * never a guess at what is announced.
 */
export function parseGobgpDestinations(responses: readonly unknown[], family: Family, gracefulShutdown: Community): Reading<Announcement[]> {
  const shutdown = communityValue(gracefulShutdown);
  const hostBits = family === 'ipv4' ? '32' : '128';
  const found: Announcement[] = [];
  for (const [i, response] of responses.entries()) {
    const parsed = ListPathJson.safeParse(response);
    if (!parsed.success) return { ok: false, error: `gobgpd ListPath ${family} answer ${i}: expected a destination with a prefix and paths, got ${describe(response)}` };
    const { prefix, paths } = parsed.data.destination;
    const [address = '', bits] = prefix.split('/');
    const vip = toIp(address);
    const own = paths.find((p) => isLocal(p.neighbor_ip));
    if (!vip.ok || familyOf(vip.value) !== family || bits !== hostBits || !own) continue;
    const communities = own.pattrs.filter((a) => a['@type'] === `${TYPE_PREFIX}CommunitiesAttribute`).flatMap((a) => a.communities ?? []);
    found.push({ vip: vip.value, gracefulShutdown: communities.includes(shutdown) });
  }
  return { ok: true, value: found.sort((a, b) => (a.vip < b.vip ? -1 : a.vip > b.vip ? 1 : 0)) };
}

function isLocal(neighbor: string | undefined): boolean {
  return neighbor === undefined || neighbor === '' || neighbor === '<nil>';
}

function describe(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
