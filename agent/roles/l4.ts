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
//
// Drift: every IPVS_REPAIR_MS, and on every turn that applies, the kernel's
// table is compared with the table last verified; what differs (a
// destination deleted by hand, a weight edited, a table lost in a restart)
// is logged, counted in tierlb_l4_ipvs_drift_total{service}, shown by
// `tierlb status`, and repaired by the minimal diff.
import type { Site } from '../../site/index.js';
import { applyNetOps } from '../../tiers/common/netops-apply.js';
import type { NetOp } from '../../tiers/common/files.js';
import { execaRunner } from '../../tiers/common/runner.js';
import { endpoint, renderL4 } from '../../tiers/l4/index.js';
import { applyIpvs } from '../../tiers/l4/apply.js';
import { bestIpvsPort } from '../../tiers/l4/ipvs-netlink-port.js';
import { ipvsadmPort, type IpvsPort } from '../../tiers/l4/ipvs-port.js';
import type { KernelService } from '../../tiers/l4/kernel.js';
import type { IpvsState } from '../../tiers/l4/model.js';
import { planL4Node, type L4NodePlan } from '../../tiers/l4/plan-node.js';
import { httpMonitorFetch } from '../health/l7-monitor-fetch.js';
import { l7CheckTargets } from '../health/l7-monitor-targets.js';
import { L7Monitor } from '../health/l7-monitor.js';
import type { Role, RoleDeps, RoleStatus } from '../role.js';
import { announcesMore, sameAnnouncements } from './l4-announce-order.js';
import { DisableTracker, type DisableReading } from './l4-disable.js';
import { describeDrift, driftByService, type DriftLine } from './l4-drift.js';
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
/**
 * How often the kernel's table is read and compared with the verified one. A
 * hand edit or lost state is repaired within this; each check reads the whole
 * table (1000 × 50 in the lab kernel: about 0.5 s through netlink, 1 s
 * through ipvsadm), so it is not much shorter.
 */
export const IPVS_REPAIR_MS = 5000;
/** A table read this recently (and verified) stands in for the read before a turn's diff; the verify read follows anyway. */
const KNOWN_TABLE_MS = IPVS_REPAIR_MS;
/** How long `tierlb status` keeps showing a drift that was repaired. */
const DRIFT_SHOWN_MS = 10 * 60 * 1000;

/** `port` is for tests; the agent picks the netlink port when the addon is built and the kernel answers, ipvsadm otherwise. */
export function l4Role(deps: RoleDeps, given?: IpvsPort): Role<L4Plan> {
  const { node, log, clock } = deps;
  let port: IpvsPort = given ?? ipvsadmPort();
  let portNote = given ? 'IPVS through the port given by the caller' : 'IPVS port not chosen yet';
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
  /** Destination order still off after moving destinations (a kernel that orders otherwise), per service: reported, not retried by the drift check. */
  let orderDrift = new Map<string, string[]>();
  /** The last drift found and what became of it, per service, for status. */
  const driftSeen = new Map<string, { at: number; lines: string[] }>();
  /** The table last applied and read back equal: what the kernel must hold between turns. */
  let verifiedDesired: IpvsState | undefined;
  let kernelAt = 0;
  let lastCheck: { at: number; outcome: string } | undefined;
  let repairTimer: NodeJS.Timeout | undefined;
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
      announcing: new Set((lastSet ?? []).filter((a) => !a.gracefulShutdown).map((a) => a.vip as string)),
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
    const known = ipvsVerified && kernel && clock.now() - kernelAt < KNOWN_TABLE_MS ? kernel : undefined;
    const expected = verifiedDesired;
    const r = await applyIpvs(port, p.node.ipvs, known);
    if (r.kind === 'failed') {
      const still = r.remaining.map((op): DriftLine => {
        const target = 'target' in op ? op.target : `${op.service.vip}:${op.service.port}`;
        return { service: serviceOf(p.node.ipvs, target), target, text: `${target}: still to do: ${op.op}` };
      });
      for (const l of still) deps.metrics.ipvsDrift.inc({ service: l.service });
      noteDrift(still, 'after a failed apply', 'not repaired yet');
      kernel = await port.read().catch(() => kernel);
      kernelAt = clock.now();
      log.error({ err: r.error, remaining: r.remaining.length }, 'IPVS table not applied; VIPs will not be announced until it is');
      ipvsVerified = false;
      verifiedTable = undefined;
      // A partly applied change set is not drift: compare with nothing until a table verifies again.
      verifiedDesired = undefined;
      return false;
    }
    // Drift found on the way: the kernel read before the diff against the table last verified,
    // or, with the table known from before, a verify that differed although every operation went in.
    const found = r.fresh ? (expected ? describeDrift(expected, r.before) : []) : (r.moved ? describeDrift(p.node.ipvs, r.moved) : []);
    if (found.length > 0) reportDrift(found, 'while applying a turn', `repaired by ${r.applied.length} operation(s) with the turn's changes`);
    noteReordered(p.node.ipvs, r.reordered);
    recordOrderDrift(p.node.ipvs, r.orderDrift);
    kernel = r.kernel;
    kernelAt = clock.now();
    verifiedDesired = p.node.ipvs;
    verifiedTable = { table, at: clock.now() };
    if (r.applied.length > 0) log.info({ ops: r.applied.map((o) => o.op), reads: r.reads }, `IPVS: applied ${r.applied.length} operation(s), verified`);
    if (!ipvsVerified) {
      ipvsVerified = true;
      deps.kick('IPVS table verified');
    }
    return true;
  };

  const serviceOf = (table: IpvsState, target: string): string =>
    table.services.find((s) => target === endpoint(s.vip, s.port))?.service ?? 'unknown';

  const noteDrift = (lines: readonly DriftLine[], how: string, outcome: string): void => {
    const at = clock.now();
    const when = new Date(at).toISOString();
    for (const [svc, texts] of driftByService(lines)) driftSeen.set(svc, { at, lines: texts.map((t) => `${t} (found ${how} at ${when}; ${outcome})`) });
  };

  /** Logs and counts what differed; status shows it with the outcome. */
  const reportDrift = (lines: readonly DriftLine[], how: string, outcome: string): void => {
    for (const l of lines) deps.metrics.ipvsDrift.inc({ service: l.service });
    noteDrift(lines, how, outcome);
    log.warn({ drift: lines.map((l) => ({ service: l.service, what: l.text })), how, outcome },
      `IPVS drift found ${how}: ${lines.map((l) => l.text).join('; ')}; ${outcome}`);
  };

  /** Destinations moved back into Maglev order: an L7 node added in another order than on the other L4 nodes, or a hand edit. */
  const noteReordered = (table: IpvsState, moved: readonly { target: string; detail: string }[]): void => {
    for (const m of moved) log.warn({ service: serviceOf(table, m.target), target: m.target, detail: m.detail }, `IPVS: ${m.target} back in Maglev order: ${m.detail}`);
  };

  /** Order drift is counted when it appears or changes, not on every turn it persists. */
  const recordOrderDrift = (table: IpvsState, found: readonly { target: string; detail: string }[]): void => {
    const next = new Map<string, string[]>();
    for (const d of found) {
      const svc = serviceOf(table, d.target);
      next.set(svc, [...(next.get(svc) ?? []), `${d.target}: destination order differs from the Maglev order: ${d.detail}`]);
    }
    for (const [svc, lines] of next) {
      if ((orderDrift.get(svc) ?? []).join('\n') === lines.join('\n')) continue;
      deps.metrics.ipvsDrift.inc({ service: svc }, lines.length);
      log.error({ service: svc, drift: lines }, `IPVS order drift in ${svc} remains after moving destinations: this kernel does not keep destinations newest first as tiers/l4/order.ts expects; flows that change L4 node may land on another L7 node`);
    }
    orderDrift = next;
  };

  /** The periodic check: read the whole table, compare with the verified one, repair the difference. */
  const checkDrift = async (): Promise<void> => {
    if (!ipvs.ok || !ipvsVerified || !verifiedDesired || stopRequestedAt !== undefined) return;
    const expected = verifiedDesired;
    let table: KernelService[];
    try {
      table = await port.read();
    } catch (err) {
      lastCheck = { at: clock.now(), outcome: `cannot read the table: ${(err as Error).message}` };
      log.warn({ err }, 'IPVS drift check: cannot read the table');
      return;
    }
    kernel = table;
    kernelAt = clock.now();
    // An order the moves could not fix is reported once, not moved again every check.
    const found = describeDrift(expected, table).filter((l) => !(l.order && orderDrift.has(l.service)));
    lastCheck = { at: kernelAt, outcome: found.length === 0 ? 'kernel equals the verified table' : `${found.length} difference(s)` };
    if (found.length === 0) {
      // A whole-table read equal to the verified table verifies it again: an enable that
      // follows announces without reading the table back once more.
      if (verifiedTable?.table === JSON.stringify(expected)) verifiedTable = { table: verifiedTable.table, at: kernelAt };
      return;
    }
    const r = await applyIpvs(port, expected, table);
    if (r.kind === 'verified') {
      reportDrift(found, 'by the periodic check', `repaired by ${r.applied.map((o) => o.op).join(', ')}`);
      kernel = r.kernel;
      kernelAt = clock.now();
      noteReordered(expected, r.reordered);
      recordOrderDrift(expected, r.orderDrift);
      return;
    }
    reportDrift(found, 'by the periodic check', `not repaired: ${r.error}`);
    ipvsVerified = false;
    verifiedTable = undefined;
    verifiedDesired = undefined;
    deps.kick('IPVS drift not repaired: plan again without announcing');
  };

  /** One kernel writer at a time: the runtime's turns, the stop sequence and the drift check. */
  const exclusive = <T>(f: () => Promise<T>): Promise<T> => {
    const next = applying.then(f);
    applying = next.catch(() => undefined);
    return next;
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
    const started = clock.now();
    const r = quick && lastSet ? await quick(lastSet, announcements) : await speaker.speaker.set(announcements);
    // speakerMs: how long the speaker took to take the change (BIRD: its answer to `configure`).
    if (r.changed.length > 0) log.info({ changed: r.changed, speakerMs: clock.now() - started }, `BGP: ${r.changed.join(', ')}`);
    if (!r.ok) log.warn({ err: r.error }, 'BGP speaker did not take the whole set; retrying');
    lastSet = r.ok ? announcements : undefined;
    lastSetPid = r.ok ? pid : undefined;
    return r.ok ? undefined : r.error;
  };

  // One apply at a time: the stop sequence applies too, beside the runtime's loop.
  const apply = (site: Site, p: L4Plan): Promise<boolean> => exclusive(() => applyNow(site, p));

  return {
    watched: [node.agent.disableFile],
    async start(site) {
      ipvs = await checkIpvs();
      if (!ipvs.ok) log.error({ why: ipvs.why }, `${ipvs.why}: this L4 node will not announce any VIP`);
      if (!given && ipvs.ok) {
        const best = bestIpvsPort();
        port = best.port;
        portNote = best.via === 'netlink' ? 'IPVS through netlink (native addon)' : `IPVS through ipvsadm: ${best.reason}`;
        log.info({ ipvsPort: best.via, ...(best.via === 'ipvsadm' ? { reason: best.reason } : {}) }, portNote);
      }
      repairTimer = setInterval(() => {
        exclusive(checkDrift).catch((err: unknown) => log.error({ err }, 'IPVS drift check failed'));
      }, IPVS_REPAIR_MS);
      repairTimer.unref();
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
      const now = clock.now();
      const drift = new Map(orderDrift);
      for (const [svc, seen] of driftSeen) if (now - seen.at < DRIFT_SHOWN_MS) drift.set(svc, [...(drift.get(svc) ?? []), ...seen.lines]);
      const services = l4ServiceStatus(site, { plan: lastPlan, kernel, drift, ...(blocker !== undefined ? { blocker } : {}) });
      const check = lastCheck ? `last ${new Date(lastCheck.at).toISOString()}: ${lastCheck.outcome}` : 'not run yet';
      const withSpeaker = speakerError === undefined ? services : services.map((s) => ({
        ...s, vips: s.vips.map((v) => ({ ...v, reason: `${v.reason}; BGP speaker: ${speakerError}` })),
      }));
      return {
        maintenance: [{ file: node.agent.disableFile, state: reading?.status ?? 'not read yet', ...(reading?.disable.reason !== undefined ? { reason: reading.disable.reason } : {}) }],
        services: withSpeaker,
        notes: [portNote, `IPVS drift check every ${IPVS_REPAIR_MS / 1000} s, ${check}`],
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
      clearInterval(repairTimer);
      if (speaker) await deps.supervisor.stop(speaker.daemon);
      log.info('planned stop done: VIPs withdrawn, speaker stopped, IPVS table left in place');
    },
  };
}
