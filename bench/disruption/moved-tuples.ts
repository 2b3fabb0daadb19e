// The flows scenario `moved` sends before and after each edit: a fixed set
// of (user address, source port) tuples per family, and the L7 node the
// model of the kernel's Maglev table gives each one. Pure.
import { nodesWithRole, type Family, type IpAddress, type Site } from '../../site/index.js';
import { toBigInt } from '../../lab/addr.js';
import { buildMaglevTable, scheduleFlow } from '../../tiers/l4/maglev/index.js';
import { planIpvs } from '../../tiers/l4/plan.js';
import type { MovedTable } from './moved-plan.js';

export interface Tuple {
  readonly family: Family;
  readonly client: string;
  readonly port: number;
}

/**
 * Below the users' ephemeral ports (32768-60999), so no other client's
 * socket holds one; 1024 apart, because mh hashes the sum of the folded
 * address and the port (tiers/l4/maglev/hash-key.ts): the users' addresses
 * span less than 256 folded values per family (200 consecutive IPv4
 * addresses; the IPv6 fold changes in its low byte only), so with ports
 * closer than that many tuples would hash alike and sample the same slots.
 */
export const SOURCE_PORTS: readonly number[] = Array.from({ length: 20 }, (_, k) => 10000 + 1024 * k);

/** At most this many tuples per family: 200 user addresses × 20 ports in the lab. */
export const TUPLES_PER_FAMILY = 4000;

/** One key per tuple, whatever the address's spelling (`ipvsadm` prints `2001:db8::cb00:7101` for `2001:db8::203.0.113.1`). */
export const tupleKey = (family: Family, client: string, port: number): string => `${family} ${toBigInt(client).toString(16)} ${port}`;

/**
 * Every client of each family with every port, port after port, the two
 * families interleaved: a learn cut short by its time bound still has both
 * families and every client.
 */
export function tupleSet(clients: Readonly<Record<Family, readonly string[]>>, families: readonly Family[], ports: readonly number[] = SOURCE_PORTS, perFamily = TUPLES_PER_FAMILY): Tuple[] {
  const out: Tuple[] = [];
  const count = new Map<Family, number>();
  for (const port of ports) {
    const most = Math.max(...families.map((f) => clients[f].length));
    for (let i = 0; i < most; i++) {
      for (const family of families) {
        const client = clients[family][i];
        const n = count.get(family) ?? 0;
        if (client === undefined || n >= perFamily) continue;
        count.set(family, n + 1);
        out.push({ family, client, port });
      }
    }
  }
  return out;
}

/** The L7 node the model of the kernel gives each tuple of the table's family, in `site` with every L7 node at full weight. */
export function modelChoices(site: Site, service: string, table: MovedTable, tuples: readonly Tuple[]): Map<string, string> {
  const l4 = nodesWithRole(site, 'l4')[0];
  const svc = l4 === undefined ? undefined : planIpvs(site, l4).services.find((s) => s.service === service && s.vip === table.vip && s.port === table.port);
  if (!svc) throw new Error(`expected an IPVS service ${service} ${table.vip} port ${table.port}`);
  // The planned order is the kernel's list once the applier converged (it restores the site's order), which the scenario waits for.
  const maglev = buildMaglevTable({ family: svc.family, flags: svc.flags, realServers: svc.destinations.map((d) => ({ address: d.address, port: d.port, weight: d.weight })) });
  const out = new Map<string, string>();
  for (const t of tuples) {
    if (t.family !== table.family) continue;
    const c = scheduleFlow(maglev, { client: t.client as IpAddress, port: t.port });
    const node = c.kind === 'scheduled' ? svc.destinations[c.index]?.node : undefined;
    if (node !== undefined) out.set(tupleKey(t.family, t.client, t.port), node);
  }
  return out;
}
