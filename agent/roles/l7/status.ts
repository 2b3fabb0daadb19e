// What `tierlb status` shows for an L7 node: each service's backend servers
// as the site wants them beside HAProxy's runtime view of them (`show stat`).
// Pure: the CSV text and the site in, the report out.
import { poolOf, servicesOnL7, type Site, type SiteNode } from '../../../site/index.js';
import { endpoint } from '../../../tiers/l7/endpoint.js';
import { backendName } from '../../../tiers/l7/view-backends.js';
import type { ServiceStatus } from '../../observe/status.js';

/** One server row of `show stat`. */
export interface StatRow {
  readonly backend: string;
  readonly server: string;
  /** UP, DOWN, DRAIN, MAINT, "UP 1/2" (going down), "no check", ... as HAProxy prints it. */
  readonly status: string;
  readonly weight: number | null;
  readonly current: number | null;
}

const count = (text: string | undefined): number | null => (text !== undefined && /^\d+$/.test(text) ? Number(text) : null);

/**
 * Parses `show stat -1 4 -1` (servers only): a `# ` header naming the
 * columns, then one CSV row per server. Columns are found by name, so a
 * version that adds columns still parses; an answer without the header
 * (an error message) gives no rows.
 */
export function parseShowStat(text: string): StatRow[] {
  const lines = text.split('\n');
  const header = lines.find((l) => l.startsWith('# '))?.slice(2).split(',');
  if (!header) return [];
  const col = (name: string): number => header.indexOf(name);
  const [px, sv, status, weight, scur] = ['pxname', 'svname', 'status', 'weight', 'scur'].map(col) as [number, number, number, number, number];
  if (px < 0 || sv < 0 || status < 0) return [];
  return lines
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(','))
    .filter((f) => f.length >= header.length - 1 && f[sv] !== 'FRONTEND' && f[sv] !== 'BACKEND')
    .map((f) => ({
      backend: f[px] ?? '',
      server: f[sv] ?? '',
      status: f[status] ?? '',
      weight: weight < 0 ? null : count(f[weight]),
      current: scur < 0 ? null : count(f[scur]),
    }));
}

/** Every service of the node with its servers; a server HAProxy does not report (not running, not loaded yet) shows `unknown`. */
export function l7ServiceStatus(site: Site, node: SiteNode, rows: readonly StatRow[] | undefined): ServiceStatus[] {
  return servicesOnL7(site, node.name).map((service) => {
    const backend = backendName(service);
    const pool = poolOf(site, service);
    return {
      name: service.name,
      vips: service.vips.map((vip) => ({ vip, announce: 'n/a' as const, reason: 'announced by the L4 nodes' })),
      realServers: pool.servers.map((server) => {
        const row = rows?.find((r) => r.backend === backend && r.server === server.name);
        return {
          name: server.name,
          address: endpoint(server.address, server.port),
          health: row?.status ?? (rows === undefined ? 'unknown (haproxy not answering)' : 'unknown (not in haproxy)'),
          desiredWeight: server.weight,
          kernelWeight: row?.weight ?? null,
          activeConns: row?.current ?? null,
          inactiveConns: null,
        };
      }),
    };
  });
}
