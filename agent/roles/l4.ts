// The l4 role: IPVS (Maglev, tunnel) towards the L7 nodes, their health, and
// the BGP speaker that announces the VIPs. Every decision is planL4Node's;
// this file reads the inputs (disable file, health, whether IPVS was
// verified), applies the plan (kernel ops, IPVS, announcements) and keeps
// what status and metrics show.
//
// Learn before announcing: a VIP is announced only after the IPVS table was
// applied and read back equal to the plan. Planned stop (SIGTERM): announce
// with the graceful-shutdown community for the site's drain time, withdraw,
// stop the speaker; the IPVS table stays, so flows that still arrive are
// scheduled the same way as on every other L4 node. A crash: the speaker dies
// with the agent (pdeathsig), the routers withdraw, the IPVS table stays.
import type { Site } from '../../site/index.js';
import { applyNetOps } from '../../tiers/common/netops-apply.js';
import type { NetOp } from '../../tiers/common/files.js';
import { execaRunner } from '../../tiers/common/runner.js';
import { renderL4 } from '../../tiers/l4/index.js';
import { applyIpvs } from '../../tiers/l4/apply.js';
import { ipvsadmPort, type IpvsPort } from '../../tiers/l4/ipvs-port.js';
import type { KernelService } from '../../tiers/l4/kernel.js';
import { planL4Node, type L4NodePlan } from '../../tiers/l4/plan-node.js';
import { httpMonitorFetch } from '../health/l7-monitor-fetch.js';
import { l7CheckTargets } from '../health/l7-monitor-targets.js';
import { L7Monitor } from '../health/l7-monitor.js';
import type { Role, RoleDeps, RoleStatus } from '../role.js';
import { announcesMore, sameAnnouncements } from './l4-announce-order.js';
import { DisableTracker, type DisableReading } from './l4-disable.js';
import { checkIpvs, type IpvsAvailability } from './l4-ipvs-check.js';
import { recordL4Metrics } from './l4-metrics.js';
import { refreshSpeaker, startSpeaker, type StartedSpeaker } from './l4-speaker.js';
import { l4ServiceStatus } from './l4-status.js';
import { Timers } from './l4-timers.js';

export interface L4Plan {
  readonly netOps: readonly NetOp[];
  readonly node: L4NodePlan;
  /** The speaker process: a restarted speaker makes the plan differ, so the set is given to it again. */
  readonly speakerPid: number | null;
}

/** A failed IPVS apply or announce is tried again after this long. */
const RETRY_MS = 1000;
/** An unchanged table verified this recently is not read back again. */
const IPVS_REVERIFY_MS = 10000;
/** How often to look whether the supervisor restarted the speaker, which then announces nothing. */
const SPEAKER_WATCH_MS = 2000;
/** Bounds the stop sequence: at most this many plan/apply turns. */
const STOP_TURNS = 4;

export function l4Role(deps: RoleDeps, port: IpvsPort = ipvsadmPort()): Role<L4Plan> {
  const { node, log, clock } = deps;
  const disable = new DisableTracker(node.agent.disableFile);
  const timers = new Timers(clock, deps.kick);
  const monitor = new L7Monitor({
    fetch: httpMonitorFetch, clock,
    onChange: (changes) => {
      for (const c of changes) log.info({ health: c.key, from: c.from, to: c.to, reason: c.reason }, `L7 health ${c.key} ${c.from} -> ${c.to}`);
      deps.kick(`health ${changes.map((c) => `${c.key} ${c.to}`).join(', ')}`);
    },
  });
  let ipvs: IpvsAvailability = { ok: false, why: 'not checked yet' };
  let speaker: StartedSpeaker | undefined;
  let ipvsVerified = false;
  let stopRequestedAt: number | undefined;
  let lastPlan: L4NodePlan | undefined;
  let lastReading: DisableReading | undefined;
  let kernel: readonly KernelService[] | undefined;
  let drift = new Map<string, string[]>();
  let appliedNetOps: readonly NetOp[] | undefined;
  let speakerSite: Site | undefined;
  let speakerError: string | undefined;
  let applying: Promise<unknown> = Promise.resolve();
  /** What the speaker last took in full, and from which process: a restarted daemon has announced nothing. */
  let lastSet: L4NodePlan['announcements'] | undefined;
  let lastSetPid: number | undefined;
  let speakerWatch: NodeJS.Timeout | undefined;
  let verifiedTable: { table: string; at: number } | undefined;

  const plan = async (site: Site): Promise<L4Plan> => {
    if (stopRequestedAt === undefined) await monitor.sync(l7CheckTargets(site, node));
    const now = clock.now();
    const reading = await disable.read(now);
    log.debug({ disable: reading.disable, stopping: stopRequestedAt !== undefined }, 'l4 plan');
    if (reading.warnings.length > 0) log.warn({ file: node.agent.disableFile, warnings: reading.warnings }, 'disable file');
    lastReading = reading;
    const nodePlan = planL4Node(site, node, {
      now, disable: reading.disable, ipvsVerified: ipvs.ok && ipvsVerified, health: monitor.snapshot(),
      ...(stopRequestedAt !== undefined ? { stopRequestedAt } : {}),
    });
    lastPlan = nodePlan;
    timers.wakeAt('drain', nodePlan.wakeAt);
    timers.wakeAt('disable expiry', reading.expiresAt);
    const speakerPid = speaker ? deps.supervisor.pid(speaker.daemon) ?? null : null;
    return { netOps: renderL4(site, node).netOps, node: nodePlan, speakerPid };
  };

  const applyIpvsTable = async (p: L4Plan, leaving: boolean): Promise<boolean> => {
    const table = JSON.stringify(p.node.ipvs);
    // A turn that only moves traffic away (a drain) must not hold up the next turn (the
    // drain's end) with two ipvsadm runs for a table it does not change; nor must a burst
    // of turns read back, again and again, a table verified moments ago.
    const fresh = verifiedTable?.table === table && (leaving || clock.now() - verifiedTable.at < IPVS_REVERIFY_MS);
    if (ipvsVerified && fresh) return true;
    const r = await applyIpvs(port, p.node.ipvs);
    const serviceOf = (target: string): string =>
      p.node.ipvs.services.find((s) => target === `${s.vip.includes(':') ? `[${s.vip}]` : s.vip}:${s.port}`)?.service ?? 'unknown';
    drift = new Map();
    const note = (target: string, line: string): void => {
      const svc = serviceOf(target);
      drift.set(svc, [...(drift.get(svc) ?? []), `${target}: ${line}`]);
      deps.metrics.ipvsDrift.inc({ service: svc });
    };
    if (r.kind === 'failed') {
      for (const op of r.remaining) note('target' in op ? op.target : `${op.service.vip}:${op.service.port}`, `still to do: ${op.op}`);
      kernel = await port.read().catch(() => kernel);
      log.error({ err: r.error, remaining: r.remaining.length }, 'IPVS table not applied; VIPs will not be announced until it is');
      ipvsVerified = false;
      verifiedTable = undefined;
      return false;
    }
    for (const d of r.orderDrift) note(d.target, `destination order differs from the Maglev order: ${d.detail}`);
    kernel = r.kernel;
    verifiedTable = { table, at: clock.now() };
    if (r.applied.length > 0) log.info({ ops: r.applied.map((o) => o.op) }, `IPVS: applied ${r.applied.length} operation(s), verified`);
    if (!ipvsVerified) {
      ipvsVerified = true;
      deps.kick('IPVS table verified');
    }
    return true;
  };

  const applyNow = async (site: Site, p: L4Plan): Promise<boolean> => {
    if (!ipvs.ok) {
      speakerError = await announce([]);
      return speakerError === undefined;
    }
    if (speaker && speakerSite !== site) {
      const problem = await refreshSpeaker(deps, site, speaker);
      if (problem) log.error(problem);
      speakerSite = site;
    }
    const attracts = announcesMore(lastSet, p.node.announcements);
    if (!attracts) speakerError = await announce(p.node.announcements);
    const wasVerified = ipvsVerified;
    const ok = await applyKernelOps(p.netOps);
    if (!ok.vipsLocal) ipvsVerified = false;
    if (!ok.vipsLocal || !(await applyIpvsTable(p, !attracts))) {
      // Withdraw at once if we were announcing; otherwise only retry later, never in a tight loop.
      if (wasVerified) deps.kick('IPVS no longer verified: plan again without announcing');
      timers.retry(RETRY_MS);
      return false;
    }
    if (attracts) speakerError = await announce(p.node.announcements);
    recordL4Metrics(deps.metrics, site, p.node, kernel);
    if (speakerError !== undefined || !ok.all) timers.retry(RETRY_MS);
    return ok.all && speakerError === undefined;
  };

  /**
   * The dummy device and the VIPs on it are what make IPVS see VIP packets:
   * without them the node must not announce. A sysctl that fails is logged
   * and retried but does not block (an older kernel may lack one key).
   */
  const applyKernelOps = async (ops: readonly NetOp[]): Promise<{ all: boolean; vipsLocal: boolean }> => {
    if (JSON.stringify(ops) === JSON.stringify(appliedNetOps)) return { all: true, vipsLocal: true };
    const results = await applyNetOps(execaRunner, ops, appliedNetOps ?? []);
    const failed = results.filter((r) => r.status === 'failed');
    for (const f of failed) log.error({ op: f.op, err: f.error }, 'kernel operation failed');
    if (failed.length === 0) appliedNetOps = ops;
    return { all: failed.length === 0, vipsLocal: failed.every((f) => f.op.kind === 'sysctl') };
  };

  /** The whole set to the speaker; skipped when the same daemon already took this very set. */
  const announce = async (announcements: L4NodePlan['announcements']): Promise<string | undefined> => {
    if (!speaker) return 'no BGP speaker running';
    const pid = deps.supervisor.pid(speaker.daemon);
    const sameDaemon = pid !== undefined && pid === lastSetPid && lastSet !== undefined;
    if (sameDaemon && sameAnnouncements(lastSet, announcements)) return undefined;
    const quick = sameDaemon && lastSet !== undefined && speaker.quick && !announcesMore(lastSet, announcements) ? speaker.quick : undefined;
    log.debug({ quick: quick !== undefined, announcements }, 'BGP speaker set');
    const r = quick && lastSet ? await quick(lastSet, announcements) : await speaker.speaker.set(announcements);
    if (r.changed.length > 0) log.info({ changed: r.changed }, `BGP: ${r.changed.join(', ')}`);
    if (!r.ok) log.warn({ err: r.error }, 'BGP speaker did not take the whole set; retrying');
    lastSet = r.ok ? announcements : undefined;
    lastSetPid = r.ok ? pid : undefined;
    return r.ok ? undefined : r.error;
  };

  const apply = (site: Site, p: L4Plan): Promise<boolean> => {
    // One apply at a time: the stop sequence applies too, beside the runtime's loop.
    const next = applying.then(() => applyNow(site, p));
    applying = next.catch(() => undefined);
    return next;
  };

  return {
    watched: [node.agent.disableFile],
    async start(site) {
      ipvs = await checkIpvs();
      if (!ipvs.ok) log.error({ why: ipvs.why }, `${ipvs.why}: this L4 node will not announce any VIP`);
      speaker = await startSpeaker(deps, site);
      speakerSite = site;
      log.info({ speaker: speaker.daemon, ipvs: ipvs.ok }, 'l4 role started');
      await monitor.sync(l7CheckTargets(site, node));
      speakerWatch = setInterval(() => {
        const pid = speaker ? deps.supervisor.pid(speaker.daemon) : undefined;
        if (lastSetPid !== undefined && pid !== lastSetPid) deps.kick(`BGP speaker restarted (pid ${pid ?? 'none'})`);
      }, SPEAKER_WATCH_MS);
      speakerWatch.unref();
    },
    plan,
    apply,
    status(site): RoleStatus {
      const reading = lastReading;
      const blocker = ipvs.ok ? undefined : ipvs.why;
      const services = l4ServiceStatus(site, { plan: lastPlan, kernel, drift, ...(blocker !== undefined ? { blocker } : {}) });
      const withSpeaker = speakerError === undefined ? services : services.map((s) => ({
        ...s, vips: s.vips.map((v) => ({ ...v, reason: `${v.reason}; BGP speaker: ${speakerError}` })),
      }));
      return {
        maintenance: [{ file: node.agent.disableFile, state: reading?.status ?? 'not read yet', ...(reading?.disable.reason !== undefined ? { reason: reading.disable.reason } : {}) }],
        services: withSpeaker,
      };
    },
    async stop(site) {
      stopRequestedAt = clock.now();
      log.info({ drainTime: site.bgp.drainTime.toString() }, 'planned stop: graceful-shutdown community, then withdraw');
      await monitor.stop();
      for (let turn = 0; turn < STOP_TURNS; turn++) {
        const p = await plan(site);
        await apply(site, p);
        if (p.node.announcements.length === 0 || p.node.wakeAt === undefined) break;
        await clock.sleep(Math.min(site.bgp.drainTime.ms, Math.max(0, p.node.wakeAt - clock.now())));
      }
      timers.clear();
      clearInterval(speakerWatch);
      if (speaker) await deps.supervisor.stop(speaker.daemon);
      log.info('planned stop done: VIPs withdrawn, speaker stopped, IPVS table left in place');
    },
  };
}
