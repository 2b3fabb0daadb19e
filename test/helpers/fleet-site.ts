// The lab's site with an `etcd:` section, for the fleet commands' tests: 3 L4
// nodes, 4 L7 nodes serving both services, 4 backend nodes each running one
// server of each pool.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue, parseSiteText, type EtcdSettings, type Site } from '../../site/index.js';
import { REPO } from './site.js';

export interface FleetSiteOptions {
  readonly endpoint?: string;
  /** Every member of a cluster; in place of `endpoint`. */
  readonly endpoints?: readonly string[];
  readonly prefix?: string;
  readonly maxL4Withdrawn?: number;
  readonly maxL7DepooledShare?: number;
  readonly depoolThreshold?: number;
  /** One more web server, web-5, on backend node srv-1: a node running a server of another name. */
  readonly web5?: boolean;
  /** etcd's own authentication: the user and the file of its password. */
  readonly auth?: { readonly user: string; readonly passwordFile: string };
}

const WEB_4 = '      - { name: srv-4, address: "fd00:2::44", port: 8080, node: srv-4, weight: 50 }';

export function fleetSiteText(o: FleetSiteOptions = {}): string {
  const limits = [
    o.maxL4Withdrawn !== undefined ? `maxL4Withdrawn: ${o.maxL4Withdrawn}` : '',
    o.maxL7DepooledShare !== undefined ? `maxL7DepooledShare: ${o.maxL7DepooledShare}` : '',
    o.depoolThreshold !== undefined ? `depoolThreshold: ${o.depoolThreshold}` : '',
  ].filter((l) => l !== '');
  // The lab's own etcd section (its member's address) gives way to this one, the last key of the file.
  const full = readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8');
  const lab = full.includes('\netcd:') ? full.slice(0, full.indexOf('\netcd:') + 1) : full;
  return [
    o.web5 === true ? lab.replace(WEB_4, `${WEB_4}\n      - { name: web-5, address: 10.0.2.41, port: 8090, node: srv-1 }`) : lab,
    'etcd:',
    `  endpoints: [${(o.endpoints ?? [o.endpoint ?? 'http://127.0.0.1:2379']).map((e) => JSON.stringify(e)).join(', ')}]`,
    ...(o.prefix !== undefined ? [`  prefix: ${o.prefix}`] : []),
    '  dialTimeout: 1s',
    ...(o.auth ? [`  auth: { user: ${o.auth.user}, passwordFile: ${o.auth.passwordFile} }`] : []),
    ...(limits.length > 0 ? ['  limits:', ...limits.map((l) => `    ${l}`)] : []),
    '',
  ].join('\n');
}

export function fleetSite(o: FleetSiteOptions = {}): Site {
  const r = parseSiteText(fleetSiteText(o));
  if (!r.ok) throw new Error(r.issues.map((i) => formatIssue(i)).join('\n'));
  return r.site;
}

export function etcdOf(site: Site): EtcdSettings {
  if (!site.etcd) throw new Error(`expected site ${site.name} to have an etcd: section`);
  return site.etcd;
}

/** The site file in `dir`, for the CLI to read. */
export function writeFleetSite(dir: string, o: FleetSiteOptions = {}): string {
  const file = join(dir, 'site.yaml');
  writeFileSync(file, fleetSiteText(o));
  return file;
}
