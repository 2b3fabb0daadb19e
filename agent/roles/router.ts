// The router role: BIRD learns every L4 node's VIP paths (through the
// reflectors) and installs them as one multipath kernel route per VIP. The
// agent renders and checks bird.conf, keeps BIRD running, and reloads it in
// place with `birdc configure` (sessions stay up; BIRD restarts only the
// protocols whose config changed). Crash and stop behaviour: bgp-role.ts.
import { nodeNamed, type Site, type SiteNode } from '../../site/index.js';
import type { NetOp } from '../../tiers/common/files.js';
import type { Runner } from '../../tiers/common/runner.js';
import { bgpPaths, birdSpec, renderEcmp } from '../../tiers/ecmp/index.js';
import { familiesOf, sessionsOf } from '../../tiers/ecmp/view.js';
import { filesOf } from '../apply/daemon-files.js';
import { applyNetOps, netOpsSettled } from '../drivers/kernel/netops.js';
import { execaRunner } from '../drivers/kernel/runner.js';
import type { Role, RoleDeps } from '../role.js';
import { birdAnswers, birdc, configureBird, parseBirdProtocols, parseBirdRoutes } from './bgp-bird.js';
import { bgpDaemonRole, type BgpRoleOptions, type BgpRolePlan } from './bgp-role.js';
import { routerStatusOf } from './bgp-status.js';

export function routerRole(deps: RoleDeps, runner: Runner = execaRunner, options: BgpRoleOptions = {}): Role<BgpRolePlan> {
  const paths = bgpPaths(deps.node);
  const socket = paths.birdSocket;
  const nodeIn = (site: Site): SiteNode => nodeNamed(site, deps.node.name) ?? deps.node;
  let appliedOps: readonly NetOp[] = [];
  return bgpDaemonRole(deps, {
    daemon: 'bird',
    spec: birdSpec(deps.node, { configFile: paths.birdConfig, socket, pidFile: paths.birdPidFile }),
    where: `socket ${socket}`,
    files: (site) => filesOf(renderEcmp(site, nodeIn(site)).files, 'bird'),
    answers: () => birdAnswers(runner, socket),
    async reload() {
      // Between a crash and the supervisor's restart nobody answers; the new BIRD reads the new file.
      if (deps.supervisor.pid('bird') === undefined && !(await birdAnswers(runner, socket))) {
        return { ok: true, detail: 'BIRD is not running; it starts with the new file' };
      }
      return configureBird(runner, socket);
    },
    async settle(site) {
      // Forwarding and the ECMP hash policy: sysctls, idempotent.
      const ops = renderEcmp(site, nodeIn(site)).netOps;
      const results = await applyNetOps(runner, ops, appliedOps);
      for (const r of results.filter((x) => x.status === 'failed')) deps.log.error({ op: r.op, error: r.error }, 'router kernel setting failed');
      appliedOps = ops;
      return netOpsSettled(results);
    },
    async observe(site) {
      const node = nodeIn(site);
      const protocols = await birdc(runner, socket, ['show', 'protocols']);
      if (protocols.exitCode !== 0) return routerStatusOf(site, node, undefined, undefined);
      const routes = new Map<string, string[]>();
      for (const family of familiesOf(sessionsOf(site, node))) {
        const r = await birdc(runner, socket, ['show', 'route', 'export', `kernel_${family}`]);
        if (r.exitCode === 0) for (const [prefix, hops] of parseBirdRoutes(r.stdout)) routes.set(prefix, hops);
      }
      return routerStatusOf(site, node, parseBirdProtocols(protocols.stdout), routes);
    },
  }, options);
}
