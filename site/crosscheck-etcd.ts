// The etcd section against itself and the nodes: TLS settings that a client
// can use, and names that `tierlb depool NAME` can tell apart.
import type { ParsedSite } from './schema.js';
import type { Report } from './crosscheck-report.js';

type EtcdSection = NonNullable<ParsedSite['etcd']>;

export function checkEtcd(site: { readonly etcd?: EtcdSection }, report: Report): void {
  const etcd = site.etcd;
  if (!etcd) return;
  const tls = etcd.tls;
  if (tls && (tls.cert === undefined) !== (tls.key === undefined)) {
    report(['etcd', 'tls', tls.cert === undefined ? 'cert' : 'key'], 'expected both cert and key (a client certificate), or neither');
  }
  etcd.endpoints.forEach((e, i) => {
    if (tls && e.startsWith('http://')) report(['etcd', 'endpoints', i], `expected https:// when etcd.tls is set, got ${JSON.stringify(e)}`);
    if (!tls && e.startsWith('https://')) report(['etcd', 'endpoints', i], 'expected etcd.tls with the CA of the members for an https:// endpoint');
  });
}

/**
 * A pool server is depooled by its name everywhere it appears; a name that
 * is also an L4 or L7 node would make `tierlb depool NAME` ambiguous.
 */
export function checkFleetNames(site: Pick<ParsedSite, 'etcd' | 'pools' | 'nodes'>, report: Report): void {
  if (!site.etcd) return;
  const nodeRoles = new Map<string, string>(site.nodes.map((n) => [n.name, n.role]));
  site.pools.forEach((pool, p) => pool.servers.forEach((s, i) => {
    const role = nodeRoles.get(s.name);
    if (role !== undefined && role !== 'backend') {
      report(['pools', p, 'servers', i, 'name'], `expected a server name that is not the name of a ${role} node (with etcd, tierlb depool ${s.name} must name one thing), got ${JSON.stringify(s.name)}`);
    }
    if (role === 'backend' && s.node !== undefined && s.node !== s.name) {
      report(['pools', p, 'servers', i, 'name'], `expected server ${JSON.stringify(s.name)} to run on node ${JSON.stringify(s.name)}, the backend node of the same name, got node ${JSON.stringify(s.node)}`);
    }
  }));
}
