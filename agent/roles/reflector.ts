// The reflector role: gobgpd reflects every L4 node's VIP paths to the
// routers (add-paths, so routers see all of them, not only the best). The
// agent renders and checks gobgpd.toml, keeps gobgpd running, and reloads it
// with SIGHUP: gobgpd 3.10 re-reads neighbors, peer groups and policies in
// place. A new AS or router id is not applied on SIGHUP, so the agent
// compares what gobgpd runs (GetBgp on its gRPC API) with the site and restarts
// gobgpd then, which resets its sessions (the other reflector carries the
// routes meanwhile). Crash and stop behaviour: bgp-role.ts.
import { nodeNamed, type Site, type SiteNode } from '../../site/index.js';
import { bgpPaths, gobgpdSpec, renderEcmp } from '../../tiers/ecmp/index.js';
import { sessionsOf } from '../../tiers/ecmp/view.js';
import { filesOf } from '../apply/daemon-files.js';
import { GobgpApiConnection } from '../drivers/gobgp/api-client.js';
import type { GobgpApiPort } from '../drivers/gobgp/api-port.js';
import type { Role, RoleDeps } from '../role.js';
import type { Verdict } from './bgp-bird.js';
import { gobgpApiListens, gobgpGlobal, gobgpNeighbors, type GobgpApi } from './bgp-gobgp.js';
import { bgpDaemonRole, type BgpRoleOptions, type BgpRolePlan } from './bgp-role.js';
import { reflectorStatusOf } from './bgp-status.js';

const NAME = 'gobgpd';
export interface ReflectorOptions extends BgpRoleOptions {
  /** How long a SIGHUP or a restart may take to show in gobgpd's API. */
  readonly settleMs?: number;
  /** Whether something accepts connections on the API's address; asked before the API itself. Default: a TCP connect. */
  readonly apiListens?: (api: GobgpApi) => Promise<boolean>;
}

/**
 * `gobgpApi`: the role's connection to its gobgpd; tests pass a fake. By
 * default one connection for the agent's life, following the supervisor's
 * gobgpd (a restarted one gets a fresh channel), closed on stop.
 */
export function reflectorRole(deps: RoleDeps, gobgpApi?: GobgpApiPort, options: ReflectorOptions = {}): Role<BgpRolePlan> {
  const settleMs = options.settleMs ?? 10000;
  const paths = bgpPaths(deps.node);
  const api: GobgpApi = paths.gobgpApi;
  const port = gobgpApi ?? new GobgpApiConnection(api);
  const client = (): GobgpApiPort => {
    if (port instanceof GobgpApiConnection) port.follow(deps.supervisor.pid(NAME));
    return port;
  };
  const nodeIn = (site: Site): SiteNode => nodeNamed(site, deps.node.name) ?? deps.node;
  const spec = gobgpdSpec(deps.node, { configFile: paths.gobgpdConfig, apiHost: api.host, apiPort: api.port });
  const listens = options.apiListens ?? gobgpApiListens;
  const answers = async (): Promise<boolean> => (await listens(api)) && (await gobgpGlobal(client())) !== undefined;

  /** Polls until `done` holds or settleMs passes; the last reading says why not. */
  const settle = async (done: () => Promise<string | undefined>): Promise<string | undefined> => {
    const until = deps.clock.now() + settleMs;
    let why = await done();
    while (why !== undefined && deps.clock.now() < until) {
      await deps.clock.sleep(100);
      why = await done();
    }
    return why;
  };

  const reload = async (site: Site): Promise<Verdict> => {
    const node = nodeIn(site);
    const running = await gobgpGlobal(client());
    if (!running) {
      if (deps.supervisor.pid(NAME) === undefined) return { ok: true, detail: 'gobgpd is not running; it starts with the new file' };
      return { ok: false, detail: `expected gobgpd to answer on ${api.host}:${api.port}, got no answer` };
    }
    if (running.asn !== node.asn || running.routerId !== node.routerId) {
      deps.log.warn({ running, asn: node.asn, routerId: node.routerId }, 'gobgpd takes a new AS or router id only on a restart: restarting it (its sessions reset)');
      await deps.supervisor.stop(NAME);
      deps.supervisor.start(spec);
      const why = await settle(async () => {
        const now = await gobgpGlobal(client());
        return now?.asn === node.asn && now.routerId === node.routerId ? undefined : `expected AS ${node.asn} router id ${String(node.routerId)}, got ${now ? `AS ${now.asn} router id ${now.routerId}` : 'no answer'}`;
      });
      return why ? { ok: false, detail: `gobgpd restart: ${why}` } : { ok: true, detail: `restarted for AS ${node.asn} router id ${String(node.routerId)}` };
    }
    if (!deps.supervisor.signal(NAME, 'SIGHUP')) return { ok: false, detail: 'expected to send SIGHUP to gobgpd, got no running gobgpd' };
    // gobgpd answers SIGHUP without a reply; its neighbor list shows it took the file.
    const wanted = [...new Set(sessionsOf(site, node).map((s) => String(s.peerAddress)))].sort();
    const why = await settle(async () => {
      const got = (await gobgpNeighbors(client()))?.map((n) => n.address).sort();
      return got && got.join(' ') === wanted.join(' ') ? undefined : `expected neighbors ${wanted.join(', ') || 'none'}, got ${got ? got.join(', ') || 'none' : 'no answer'}`;
    });
    return why ? { ok: false, detail: `gobgpd after SIGHUP: ${why}` } : { ok: true, detail: `SIGHUP: ${wanted.length} neighbor(s)` };
  };

  const role = bgpDaemonRole(deps, {
    daemon: 'gobgpd',
    spec,
    where: `API ${api.host}:${api.port}`,
    files: (site) => filesOf(renderEcmp(site, nodeIn(site)).files, 'gobgpd'),
    answers,
    reload,
    async observe(site) {
      return reflectorStatusOf(site, nodeIn(site), await gobgpNeighbors(client()));
    },
  }, options);
  return {
    ...role,
    async stop(site) {
      await role.stop(site);
      if (port instanceof GobgpApiConnection) port.close();
    },
  };
}
