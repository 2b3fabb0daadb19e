// The router role: BIRD learns every L4 node's VIP paths (through the
// reflectors) and installs them as one multipath kernel route per VIP. The
// agent renders and checks bird.conf, keeps BIRD running, and reloads it in
// place with `configure` on its control socket (sessions stay up; BIRD restarts only the
// protocols whose config changed). A BIRD that dies is started again with
// -R, in graceful-restart recovery, so the VIPs keep their kernel routes
// meanwhile (birdSpec, bird.conf). Agent crash and stop: bgp-role.ts.
import { nodeNamed, type Site, type SiteNode } from '../../site/index.js';
import type { NetOp } from '../../tiers/common/files.js';
import type { Runner } from '../../tiers/common/runner.js';
import { bgpPaths, birdSpec, renderEcmp } from '../../tiers/ecmp/index.js';
import { familiesOf, sessionsOf } from '../../tiers/ecmp/view.js';
import { filesOf } from '../apply/daemon-files.js';
import { applyNetOps, netOpsSettled, procSysctl } from '../drivers/kernel/netops.js';
import { processRunner } from '../drivers/kernel/runner.js';
import type { Role, RoleDeps } from '../role.js';
import { birdControl } from '../drivers/bird/control.js';
import { birdAnswers, birdShow, configureBird, parseBirdProtocols, parseBirdRoutes } from './bgp-bird.js';
import { bgpDaemonRole, type BgpRoleOptions, type BgpRolePlan } from './bgp-role.js';
import { routerStatusOf } from './bgp-status.js';
import { SessionTimers } from './session-timers.js';

export function routerRole(deps: RoleDeps, runner: Runner = processRunner, options: BgpRoleOptions = {}): Role<BgpRolePlan> {
  const paths = bgpPaths(deps.node);
  const socket = paths.birdSocket;
  const bird = birdControl(socket);
  const nodeIn = (site: Site): SiteNode => nodeNamed(site, deps.node.name) ?? deps.node;
  let appliedOps: readonly NetOp[] = [];
  const timers = new SessionTimers();
  return bgpDaemonRole(deps, {
    daemon: 'bird',
    spec: birdSpec(deps.node, { configFile: paths.birdConfig, socket, pidFile: paths.birdPidFile }),
    where: `socket ${socket}`,
    files: (site) => {
      const rolled = timers.plan(site, nodeIn(site));
      if (rolled.news) deps.log.info({ pending: rolled.pending }, 'BGP timers changed: moving the sessions to them one at a time, each once the others are established (BIRD restarts a session whose timers change)');
      return filesOf(renderEcmp(site, nodeIn(site), { sessionTimers: rolled.timers }).files, 'bird');
    },
    answers: () => birdAnswers(bird),
    async reload() {
      // Between a crash and the supervisor's restart nobody answers; the new BIRD reads the new file.
      if (deps.supervisor.pid('bird') === undefined && !(await birdAnswers(bird))) {
        return { ok: true, detail: 'BIRD is not running; it starts with the new file' };
      }
      const verdict = await configureBird(bird);
      if (verdict.ok) timers.taken();
      return verdict;
    },
    async settle(site) {
      // Forwarding and the ECMP hash policy: sysctls, idempotent.
      const ops = renderEcmp(site, nodeIn(site)).netOps;
      const results = await applyNetOps(runner, ops, appliedOps, procSysctl(runner));
      for (const r of results.filter((x) => x.status === 'failed')) deps.log.error({ op: r.op, error: r.error }, 'router kernel setting failed');
      appliedOps = ops;
      return netOpsSettled(results);
    },
    async observe(site) {
      const node = nodeIn(site);
      const protocols = await birdShow(bird, 'show protocols');
      if (protocols === undefined) return routerStatusOf(site, node, undefined, undefined);
      const routes = new Map<string, string[]>();
      for (const family of familiesOf(sessionsOf(site, node))) {
        const text = await birdShow(bird, `show route export kernel_${family}`);
        if (text !== undefined) for (const [prefix, hops] of parseBirdRoutes(text)) routes.set(prefix, hops);
      }
      const status = routerStatusOf(site, node, parseBirdProtocols(protocols), routes);
      const up = new Set(sessionsOf(site, node).filter((s) => status.sessions?.some((x) => x.peer === s.peer && x.family === s.family && x.state === 'established')).map((s) => s.symbol));
      if (timers.observe(up)) void deps.kick('BGP sessions established again: the next one takes the new timers');
      return status;
    },
  }, options);
}
