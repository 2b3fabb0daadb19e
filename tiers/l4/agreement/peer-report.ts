// The Maglev tables a peer's status report claims, read from JSON that came
// over the network: nothing in it is trusted. A field missing or malformed
// makes that service (or that table's slot count) unknown; nothing throws.
// Pure.
import { toIp } from '../../../site/index.js';
import type { KernelService } from '../kernel.js';
import { MAX_WEIGHT } from '../model.js';
import type { NodeTables, TableView } from './compare.js';
import { expectedTable } from './expected.js';

/** More destinations than a sane service has: the table is not rebuilt, only its digest compared. */
const MAX_DESTINATIONS = 1000;

/** Per service name, its tables, or why they cannot be read. */
export type PeerTables = ReadonlyMap<string, NodeTables | { readonly unknown: string }>;

export function readPeerTables(payload: unknown): PeerTables | { readonly unknown: string } {
  const services = field(payload, 'services');
  if (!Array.isArray(services)) return { unknown: 'the status report has no services list' };
  const out = new Map<string, NodeTables | { unknown: string }>();
  for (const s of services) {
    const name = field(s, 'name');
    if (typeof name !== 'string') continue;
    const tables = field(field(s, 'maglev'), 'tables');
    out.set(name, Array.isArray(tables) ? readTables(tables) : { unknown: 'no maglev tables in the report' });
  }
  return out;
}

function readTables(tables: readonly unknown[]): NodeTables {
  const out = new Map<string, TableView>();
  for (const t of tables) {
    const service = field(t, 'service');
    const digest = field(t, 'digest');
    if (typeof service !== 'string' || typeof digest !== 'string') continue;
    const kernel = kernelOf(service, field(t, 'destinations'));
    out.set(service, kernel ? { digest, table: expectedTable(kernel) } : { digest });
  }
  return out;
}

/** The service as a kernel reading, when its key and every destination are well formed. */
function kernelOf(service: string, destinations: unknown): KernelService | undefined {
  const key = /^(tcp|udp|sctp) \[?([0-9a-fA-F:.]+?)\]?:(\d{1,5})$/.exec(service);
  const vip = key?.[2] !== undefined ? toIp(key[2]) : undefined;
  if (!key || !vip?.ok || !Array.isArray(destinations) || destinations.length > MAX_DESTINATIONS) return undefined;
  const family = vip.value.includes(':');
  const dests = destinations.map((d) => {
    const address = field(d, 'address');
    const port = field(d, 'port');
    const weight = field(d, 'weight');
    const ip = typeof address === 'string' ? toIp(address) : undefined;
    if (!ip?.ok || ip.value.includes(':') !== family || !isInt(port, 0, 65535) || !isInt(weight, 0, MAX_WEIGHT)) return undefined;
    return { address: ip.value, port, weight, forwarding: 'tunnel' as const, activeConns: 0, inactiveConns: 0 };
  });
  if (dests.some((d) => d === undefined)) return undefined;
  return {
    protocol: key[1] as KernelService['protocol'], vip: vip.value, port: Number(key[3]), scheduler: 'mh', flags: [],
    destinations: dests.flatMap((d) => (d ? [d] : [])),
  };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
