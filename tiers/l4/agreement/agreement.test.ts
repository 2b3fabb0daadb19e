import { describe, expect, it } from 'vitest';
import { parseIpvsList, type KernelService } from '../kernel.js';
import { MH_TABLE_SIZE } from '../maglev/index.js';
import { compareKernels, compareNodes, tablesOfKernel } from './compare.js';
import { expectedTable, maglevDigest, maglevServiceStatus } from './expected.js';
import { readPeerTables } from './peer-report.js';

/** `ipvsadm -Ln --nosort` of one service, destinations given oldest first as [last octet, weight]. */
function kernel(dests: readonly (readonly [number, number])[], vip = '198.51.100.1'): KernelService[] {
  const lines = [...dests].reverse().map(([o, w]) => `  -> 10.0.1.${o}:80                 Tunnel  ${w}    0          0`);
  return parseIpvsList([`TCP  ${vip}:80 mh (mh-fallback)`, ...lines].join('\n'));
}

const inOrder = kernel([[31, 100], [32, 100], [33, 100], [34, 100]]);
/** The same L7 nodes, l7-2 added last: an L4 node that saw another order of edits. */
const l7TwoLast = kernel([[31, 100], [33, 100], [34, 100], [32, 100]]);

/** A status report as the agent publishes it, from kernel tables. */
const report = (k: readonly KernelService[]): unknown => JSON.parse(JSON.stringify({ services: [{ name: 'web', maglev: maglevServiceStatus(k) }] }));

describe('expected Maglev table of a kernel table', () => {
  it('digests equal tables equally and tables of another order differently', () => {
    const digest = (k: readonly KernelService[]): string => maglevDigest(expectedTable(k[0] as KernelService));
    expect(digest(inOrder)).toMatch(/^[0-9a-f]{12}$/);
    expect(digest(kernel([[31, 100], [32, 100], [33, 100], [34, 100]]))).toBe(digest(inOrder));
    expect(digest(l7TwoLast)).not.toBe(digest(inOrder));
  });

  it('counts a destination at weight 0 with the full weight it had: draining moves no slot', () => {
    const drained = kernel([[31, 100], [32, 0], [33, 100], [34, 100]]);
    expect(compareKernels(inOrder, drained)).toEqual([{ service: 'tcp 198.51.100.1:80', verdict: 'agree' }]);
  });

  it('publishes one digest per service over its tables, and each table with its destinations', () => {
    const status = maglevServiceStatus([...inOrder, ...kernel([[31, 100]], '198.51.100.2')]);
    expect(status?.tables.map((t) => t.service)).toEqual(['tcp 198.51.100.1:80', 'tcp 198.51.100.2:80']);
    expect(status?.tables[0]?.destinations[1]).toEqual({ address: '10.0.1.32', port: 80, weight: 100 });
    expect(status?.digest).toMatch(/^[0-9a-f]{12}$/);
    expect(maglevServiceStatus([])).toBeUndefined();
  });
});

describe('agreement across L4 nodes', () => {
  it('reports two nodes with the same L7 nodes added in another order as differing, with the slots that differ', () => {
    const [row] = compareKernels(inOrder, l7TwoLast);
    expect(row).toEqual({ service: 'tcp 198.51.100.1:80', verdict: 'differ', slots: 6 });
    expect(row?.verdict === 'differ' && row.slots !== undefined && row.slots < MH_TABLE_SIZE).toBe(true);
  });

  it('agrees with itself through the status report a peer reads', () => {
    const peer = readPeerTables(report(inOrder));
    const web = peer instanceof Map ? peer.get('web') : undefined;
    expect(web instanceof Map && compareNodes(tablesOfKernel(inOrder), web)).toEqual([{ service: 'tcp 198.51.100.1:80', verdict: 'agree' }]);
  });

  it('counts the differing slots of a peer from its published destinations', () => {
    const peer = readPeerTables(report(l7TwoLast));
    const web = peer instanceof Map ? peer.get('web') : undefined;
    expect(web instanceof Map && compareNodes(tablesOfKernel(inOrder), web)).toEqual([{ service: 'tcp 198.51.100.1:80', verdict: 'differ', slots: 6 }]);
  });

  it('falls back to the digests when a peer\'s destinations are malformed', () => {
    const broken = report(l7TwoLast) as { services: { maglev: { tables: { destinations: unknown }[] } }[] };
    const table = broken.services[0]?.maglev.tables[0];
    if (table) table.destinations = [{ address: 'not an address', port: 80, weight: 100 }];
    const web = (readPeerTables(broken) as Map<string, unknown>).get('web');
    expect(web instanceof Map && compareNodes(tablesOfKernel(inOrder), web)).toEqual([{ service: 'tcp 198.51.100.1:80', verdict: 'differ' }]);
  });

  it('treats a missing or malformed report, service or table as unknown, never throwing', () => {
    for (const payload of [null, 42, 'x', [], {}, { services: 'no' }]) expect(readPeerTables(payload)).toHaveProperty('unknown');
    const peer = readPeerTables({ services: [null, { name: 7 }, { name: 'web' }, { name: 'api', maglev: { tables: [null, { service: 1 }, { service: 'tcp 198.51.100.3:80' }] } }] });
    expect(peer instanceof Map && peer.get('web')).toEqual({ unknown: 'no maglev tables in the report' });
    const api = peer instanceof Map ? peer.get('api') : undefined;
    expect(api instanceof Map && api.size).toBe(0);
    expect(compareNodes(tablesOfKernel(inOrder), new Map())).toEqual([{ service: 'tcp 198.51.100.1:80', verdict: 'unknown', reason: 'no such table on the peer' }]);
  });
});
