// The Maglev table an L4 node holds, from its kernel table as the agent
// reads it: the kernel's destination order and weights. Two L4 nodes whose
// tables are equal send every flow to the same L7 node, so this is what
// peers compare. Pure.
//
// The kernel builds the table from each destination's last non-zero weight,
// which no listing shows. tierlb only ever gives an L7 node 0 or full weight,
// so a destination at 0 is counted at full weight: wrong only for one that
// was added while already at 0, which holds no slot in the kernel.
import { createHash } from 'node:crypto';
import type { IpAddress, MhFlag } from '../../../site/index.js';
import type { KernelService } from '../kernel.js';
import { buildMaglevTable, slotOwners, type MaglevTable } from '../maglev/index.js';
import { FULL_WEIGHT } from '../model.js';
import { describeService } from '../service-key.js';

/** One table of a service as the status endpoint publishes it, so a peer can rebuild and compare it. */
export interface MaglevTableStatus {
  /** `tcp 198.51.100.1:80`, as describeService prints the key. */
  readonly service: string;
  /** 12 hex characters of the SHA-256 of the slots' real servers. */
  readonly digest: string;
  /** Oldest first, as the kernel holds them. */
  readonly destinations: readonly { readonly address: string; readonly port: number; readonly weight: number }[];
}

export interface MaglevServiceStatus {
  /** Over every table of the service, in the order of `tables`. */
  readonly digest: string;
  readonly tables: readonly MaglevTableStatus[];
}

/** The table the kernel builds for `service` from its destination list. */
export function expectedTable(service: KernelService): MaglevTable {
  return buildMaglevTable({
    family: service.vip.includes(':') ? 'ipv6' : 'ipv4',
    flags: service.flags.filter((f): f is MhFlag => f === 'mh-port' || f === 'mh-fallback'),
    realServers: service.destinations.map((d) => ({
      // Read from the kernel (or checked by the peer reader): an address, unbranded.
      address: d.address as IpAddress,
      port: d.port,
      weight: d.weight,
      lastWeight: d.weight > 0 ? d.weight : FULL_WEIGHT,
    })),
  });
}

/** A short fingerprint of what the table does: equal tables, equal digests, whatever lists built them. */
export function maglevDigest(table: MaglevTable): string {
  return shortHash(slotOwners(table).join('\n'));
}

/** What the status endpoint says about the tables of one service, from the kernel's. */
/**
 * Digests by what decides the table (the service and its destinations):
 * an agent's status report is read every few seconds (it is published to
 * etcd), each read of the kernel gives new objects for the same tables, and
 * building one table costs milliseconds (tens in the lab kernel). Same
 * input, same digest; the cache is dropped whole when it grows past a bound.
 */
const digests = new Map<string, string>();
const MAX_DIGESTS = 4096;

function digestOf(k: KernelService): string {
  const key = `${describeService(k)} ${k.flags.join(',')} ${k.destinations.map((d) => `${d.address}:${d.port}:${d.weight}`).join(' ')}`;
  let d = digests.get(key);
  if (d === undefined) {
    if (digests.size >= MAX_DIGESTS) digests.clear();
    d = maglevDigest(expectedTable(k));
    digests.set(key, d);
  }
  return d;
}

export function maglevServiceStatus(tables: readonly KernelService[]): MaglevServiceStatus | undefined {
  if (tables.length === 0) return undefined;
  const each = tables.map((k): MaglevTableStatus => ({
    service: describeService(k),
    digest: digestOf(k),
    destinations: k.destinations.map((d) => ({ address: d.address, port: d.port, weight: d.weight })),
  }));
  return { digest: shortHash(each.map((t) => `${t.service} ${t.digest}`).join('\n')), tables: each };
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
