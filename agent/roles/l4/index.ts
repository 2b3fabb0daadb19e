// The l4 role: IPVS (Maglev, tunnel) towards the L7 nodes, their health, and
// the BGP speaker that announces the VIPs. observe (disable file, L7 health,
// what the appliers verified) → planL4 (pure) → appliers that own their
// state: the kernel's addresses, the IPVS table, the speaker's config and
// announced set. Every write happens in a turn of the one writer; timers
// (the end of a drain, a retry, the drift check) only kick it.
//
// Learn before announcing: a VIP is announced only after the IPVS table was
// applied and read back equal to the plan, and moving traffic away
// (withdraw, graceful-shutdown community) goes before any table work.
// Planned stop: announce with the graceful-shutdown community for the site's
// drain time, withdraw, stop the speaker; the IPVS table stays, so flows that
// still arrive are scheduled the same way as on every other L4 node.
import { nodeNamed, type Site, type SiteNode } from '../../../site/index.js';
import type { NetOp } from '../../../tiers/common/files.js';
import { departureBoundMs, stillDeparting, trackDepartures, withDepartures, type Departure } from '../../../tiers/l4/departures.js';
import type { IpvsPort } from '../../../tiers/l4/port.js';
import { kernelStateKind, NET_CHECK_MS, NetApplier, netDriftText } from '../../apply/net-applier.js';
import { procSysctl } from '../../drivers/kernel/netops.js';
import { ipMonitorEvents, type KernelEventsPort } from '../../drivers/kernel/link-events.js';
import { processRunner } from '../../drivers/kernel/runner.js';
import { bestIpvsPort } from '../../drivers/ipvs/netlink-port.js';
import { httpMonitorFetch } from '../../health/l7-monitor-fetch.js';
import { tcpMonitorWatch, type MonitorWatch } from '../../health/l7-monitor-watch.js';
import type { MonitorFetch } from '../../health/l7-monitor-fetch.js';
import { l7CheckTargets } from '../../health/l7-monitor-targets.js';
import { L7Monitor } from '../../health/l7-monitor.js';
import { TunnelMonitor } from '../../health/tunnel-monitor.js';
import { markedTunnelProbe, type TunnelProbe } from '../../health/tunnel-probe.js';
import { IpvsNetlink, markedSocketsAvailable } from '../../drivers/ipvs/netlink-addon.js';
import { netlinkCheckServicesPort } from '../../drivers/ipvs/check-services-port.js';
import { isTunnelCheckMark, planTunnelCheckServices, tunnelCheckRate, tunnelCheckTargets, withTunnelHealth } from '../../../tiers/l4/tunnel-checks.js';
import type { TargetHealth } from '../../../tiers/l4/health.js';
import { CheckServicesApplier, type CheckServicesPort } from './check-services-applier.js';
import { recheckOpener, type HintHandler } from '../../health/recheck-listener.js';
import { ListenerSet, type Endpoint, type Opener } from '../../apply/listeners.js';
import { hintEndpoints, readRecheckHint } from '../../../tiers/l4/recheck-hint.js';
import { RoleStartError, type Role, type RoleDeps, type RoleStatus } from '../../role.js';
import { untilChecked } from '../../install/until-checked.js';
import { DisableTracker, type DisableReading } from './disable.js';
import { fleetWordOf } from '../../../fleet/precedence.js';
import { checkIpvs, type IpvsAvailability } from './ipvs-check.js';
import { recordL4Metrics } from './metrics.js';
import { l4ServiceStatus } from './status.js';
import { Timers } from '../../loop/timers.js';
import { sameAnnouncements } from './announce-order.js';
import { Announcer } from './announcer.js';
import { IPVS_REPAIR_MS, IpvsApplier } from './ipvs-applier.js';
import { planL4, planSpeaker, type L4Plan } from './plan.js';
import { speakerDaemon } from './speaker-daemon.js';
import { SessionTimers } from '../session-timers.js';
import type { TimersView } from '../../../tiers/ecmp/view.js';
import type { SpeakerPort } from './speaker-port.js';
import { tcFlowEntropyPort, type FlowEntropyPort } from '../../drivers/bpf/flow-entropy-port.js';
import { FlowEntropyApplier } from './flow-entropy-applier.js';
import { readAtMostEvery } from '../../observe/metrics.js';
import { netlinkSyncDaemonPort } from '../../drivers/ipvs/sync-daemon-port.js';
import { procSyncCounters } from '../../drivers/ipvs/sync-counters.js';
import { ConnectionSync, type ConnectionSyncDrivers } from './connection-sync.js';
import { showMaintenanceState } from '../../observe/maintenance-metric.js';

export { IPVS_REPAIR_MS } from './ipvs-applier.js';
export type { L4Plan } from './plan.js';

/** The L4 role's effects; tests pass fakes, the agent the real ones. */
export interface L4Drivers {
  readonly speaker: SpeakerPort;
  /** Chosen once IPVS is known to be there: netlink when the addon loads, ipvsadm otherwise. */
  readonly ipvs: () => { readonly port: IpvsPort; readonly note: string };
  readonly ipvsAvailable: () => Promise<IpvsAvailability>;
  readonly net: Pick<NetApplier, 'apply' | 'essentialHeld' | 'drift'>;
  readonly monitorFetch: MonitorFetch;
  readonly monitorWatch: MonitorWatch;
  /** Binds the sockets the L7 nodes' recheck hints arrive on. */
  readonly recheckHints: (onDatagram: HintHandler) => Opener;
  /** Checks through the tunnel: the marked-socket probe and the check services' port, or why this node cannot have them. */
  readonly tunnelChecks: () => { readonly probe: TunnelProbe; readonly services: CheckServicesPort } | { readonly why: string };
  readonly flowEntropy: FlowEntropyPort;
  /** Links and addresses undone under the agent, as the kernel reports them; absent: read back on the interval only. */
  readonly kernelEvents?: KernelEventsPort;
  /** The kernel's IPVS sync daemons (the addon), and what /proc shows of them. */
  readonly connectionSync: ConnectionSyncDrivers;
}

/** A failed IPVS apply or announce is tried again after this long. */
const RETRY_MS = 1000;
/** How often BIRD's sessions are read while one waits to move to new timers. */
const SESSION_READ_MS = 1000;
/**
 * A flow-entropy program that could not be attached or written is tried
 * again this much later: the node serves without it meanwhile, and a
 * refusal by the verifier would otherwise cost a turn every second.
 */
const FLOW_ENTROPY_RETRY_MS = 10000;
/** The flow-entropy program's counts are read for a scrape, at most this often. */
const FLOW_ENTROPY_STATS_MS = 10000;
/** Sync daemons the kernel refused are tried again this much later; flows keep being served meanwhile. */
const CONNECTION_SYNC_RETRY_MS = 10000;
/** Bounds the stop sequence: at most this many turns. */
const STOP_TURNS = 4;

/** The dummy device and the VIPs on it make IPVS see VIP packets: without them the node must not announce. */
const isSysctl = (op: NetOp): boolean => op.kind === 'sysctl';

export function realL4Drivers(deps: RoleDeps): L4Drivers {
  return {
    speaker: speakerDaemon(deps),
    ipvs: () => {
      const best = bestIpvsPort();
      return { port: best.port, note: best.via === 'netlink' ? 'IPVS through netlink (native addon)' : `IPVS through ipvsadm: ${best.reason}` };
    },
    ipvsAvailable: () => checkIpvs(),
    // A sysctl that fails is logged and retried but does not block (an older kernel may lack one key).
    net: new NetApplier(processRunner, deps.log, { essential: (op) => !isSysctl(op), permanent: () => false }, procSysctl(processRunner)),
    monitorFetch: httpMonitorFetch,
    monitorWatch: tcpMonitorWatch,
    recheckHints: recheckOpener,
    tunnelChecks: realTunnelChecks,
    flowEntropy: tcFlowEntropyPort(processRunner),
    kernelEvents: ipMonitorEvents(deps.log),
    connectionSync: { port: netlinkSyncDaemonPort, counters: procSyncCounters },
  };
}

function realTunnelChecks(): { probe: TunnelProbe; services: CheckServicesPort } | { why: string } {
  const sockets = markedSocketsAvailable();
  if (!sockets.ok) return { why: sockets.why };
  try {
    return { probe: markedTunnelProbe, services: netlinkCheckServicesPort(IpvsNetlink.open()) };
  } catch (err) {
    return { why: (err as Error).message };
  }
}

export function l4Role(deps: RoleDeps, drivers: L4Drivers = realL4Drivers(deps)): Role<L4Plan> {
  return new L4Role(deps, drivers);
}

class L4Role implements Role<L4Plan> {
  readonly watched: readonly string[];
  private readonly disable: DisableTracker;
  private readonly timers: Timers;
  private readonly monitor: L7Monitor;
  private tunnel: { readonly monitor: TunnelMonitor; readonly services: CheckServicesApplier } | undefined;
  private tunnelNote = 'checks through the tunnel: not started';
  /** Services whose checks through the tunnel fail on every node at once, set aside (withTunnelHealth). */
  private tunnelSetAside = '';
  private readonly hints: ListenerSet;
  /** The site the hints are read against: the last one planned with. */
  private site: Site | undefined;
  private hintErrors: string | undefined;
  private readonly announcer: Announcer;
  private ipvs: IpvsApplier | undefined;
  private ipvsNote = 'IPVS port not chosen yet';
  private blocker: string | undefined = 'IPVS not checked yet';
  private stopRequestedAt: number | undefined;
  private lastPlan: L4Plan | undefined;
  private lastReading: DisableReading | undefined;
  private repairTimer: NodeJS.Timeout | undefined;
  private kernelCheckedAt = 0;
  /** When the kernel's links and addresses were last read back (NET_CHECK_MS). */
  private netCheckedAt = 0;
  /** The kernel reported a link or address undone: the next turn reads them back. */
  private netCheckDue = false;
  private kernelEvents: { stop(): void } | undefined;
  private readonly flowEntropy: FlowEntropyApplier;
  private readonly connectionSync: ConnectionSync;
  private departures: Departure[] = [];
  private readonly sessionTimers = new SessionTimers();
  /** The drift check's period has come: the next apply reads the kernel's table even if it was verified moments ago. */
  private driftCheckDue = false;

  constructor(private readonly deps: RoleDeps, private readonly drivers: L4Drivers) {
    this.watched = [deps.node.agent.disableFile];
    this.disable = new DisableTracker(deps.node.agent.disableFile);
    this.timers = new Timers(deps.clock, (reason) => void deps.kick(reason, { repair: true }));
    this.announcer = new Announcer(drivers.speaker, deps.log, deps.clock);
    this.flowEntropy = new FlowEntropyApplier(drivers.flowEntropy, deps.log, () => deps.clock.now());
    this.connectionSync = new ConnectionSync(drivers.connectionSync, deps.log, deps.metrics, () => deps.clock.now());
    this.monitor = new L7Monitor({
      fetch: drivers.monitorFetch, watch: drivers.monitorWatch, clock: deps.clock,
      onChange: (changes) => {
        for (const c of changes) deps.log.info({ health: c.key, from: c.from, to: c.to, reason: c.reason }, `L7 health ${c.key} ${c.from} -> ${c.to}`);
        void deps.kick(`health ${changes.map((c) => `${c.key} ${c.to}`).join(', ')}`);
      },
      onStalled: (l7, lateMs) => {
        deps.metrics.checksStalled.inc({ real_server: l7 });
        deps.log.warn({ l7, lateMs: Math.round(lateMs) }, `check of ${l7} not judged: this agent ran its deadline ${Math.round(lateMs)} ms late (starved of CPU?); its health stays as it was`);
      },
    });
    this.hints = new ListenerSet(drivers.recheckHints((bytes, from) => this.onHint(bytes, from)), deps.clock, 0);
  }

  /** An L7 node said its state changed: check it now; its monitor's answer decides, not the hint. */
  private onHint(bytes: Uint8Array, from: string): void {
    const hint = this.site ? readRecheckHint(this.site, bytes, from) : { ok: false as const, why: 'no site yet' };
    const taken = hint.ok && this.monitor.checkNow(hint.l7);
    this.deps.metrics.recheckHints.inc({ result: taken ? 'taken' : 'refused' });
    if (hint.ok) this.deps.log.debug({ l7: hint.l7, from, taken }, 'recheck hint');
  }

  /**
   * The hint sockets follow the node's addresses and agent-check port, bound
   * in the writer's turn only; one that cannot be bound leaves the checks on
   * their interval.
   */
  private async listenForHints(node: SiteNode): Promise<void> {
    const wanted: Endpoint[] = hintEndpoints(node).map((e) => ({ host: e.address, port: e.port }));
    const r = await this.hints.apply(wanted);
    const errors = r.errors.join('; ');
    if (errors !== this.hintErrors && errors !== '') this.deps.log.warn({ errors: r.errors }, 'recheck hints: cannot listen; L7 nodes are checked on their interval only');
    if (errors !== this.hintErrors && errors === '') this.deps.log.info({ listening: this.hints.endpoints() }, 'recheck hints: listening');
    this.hintErrors = errors;
  }

  async start(site: Site): Promise<void> {
    const node = this.nodeIn(site);
    const available = await this.drivers.ipvsAvailable();
    if (available.ok) {
      const chosen = this.drivers.ipvs();
      this.ipvs = new IpvsApplier({ port: chosen.port, clock: this.deps.clock, log: this.deps.log, metrics: this.deps.metrics });
      this.ipvsNote = chosen.note;
      this.blocker = undefined;
      this.deps.log.info({ ipvs: chosen.note }, chosen.note);
      this.repairTimer = setInterval(() => {
        this.driftCheckDue = true;
        void this.deps.kick('IPVS drift check', { repair: true });
      }, IPVS_REPAIR_MS);
      this.repairTimer.unref();
    } else {
      this.blocker = available.why;
      this.deps.log.error({ why: available.why }, `${available.why}: this L4 node will not announce any VIP`);
    }
    const speaker = planSpeaker(site, node);
    if (!(await untilChecked(() => this.announcer.configure(site, node, speaker), (ok) => !ok && this.announcer.awaitingCheck))) {
      throw new RoleStartError(`cannot start the BGP speaker: ${this.announcer.status().problem ?? 'its config was refused'}`);
    }
    await this.monitor.sync(l7CheckTargets(site, node));
    this.startTunnelChecks();
    this.kernelEvents = this.drivers.kernelEvents?.((what) => {
      this.netCheckDue = true;
      void this.deps.kick(`kernel event: ${what}`, { repair: true });
    });
    this.deps.metrics.programReaders.flowEntropy = readAtMostEvery(FLOW_ENTROPY_STATS_MS, () => this.deps.clock.now(), () => this.refreshFlowEntropyStats());
    this.deps.log.info({ speaker: site.bgp.speaker, ipvs: available.ok, tunnelChecks: this.tunnelNote }, 'l4 role started');
  }

  /**
   * Chosen once, at start: the checks need marked sockets and the IPVS
   * netlink family, both from the native addon. Whether the site wants them
   * is read at every turn, so an edit turns them on or off.
   */
  private startTunnelChecks(): void {
    const drivers = this.drivers.tunnelChecks();
    if ('why' in drivers) {
      this.tunnelNote = `checks through the tunnel: not available (${drivers.why}); the monitor URI alone decides`;
      this.deps.log.warn(this.tunnelNote);
      return;
    }
    const monitor = new TunnelMonitor({
      probe: drivers.probe, clock: this.deps.clock,
      onChange: (changes) => {
        for (const c of changes) this.deps.log.info({ health: c.key, from: c.from, to: c.to, reason: c.reason }, `through the tunnel ${c.key} ${c.from} -> ${c.to}`);
        void this.deps.kick(`through the tunnel ${changes.map((c) => `${c.key} ${c.to}`).join(', ')}`);
      },
      onProbed: (t, result) => this.deps.metrics.tunnelChecks.inc({ real_server: t.l7, service: t.service, result }),
      onStalled: (key, lateMs) => this.deps.log.warn({ check: key, lateMs: Math.round(lateMs) }, `check through the tunnel of ${key} not judged: this agent ran ${Math.round(lateMs)} ms late`),
    });
    this.tunnel = { monitor, services: new CheckServicesApplier(drivers.services, this.deps.log) };
    this.tunnelNote = 'checks through the tunnel: available (IPVS firewall-mark services, marked sockets)';
  }

  /** Only L7 nodes whose check services the kernel holds are checked through the tunnel: another mark would reach whatever node Maglev picks. */
  private async syncTunnelChecks(site: Site, node: SiteNode): Promise<void> {
    if (!this.tunnel) return;
    const steered = this.tunnel.services.steered;
    await this.tunnel.monitor.sync(tunnelCheckTargets(site, node).filter((t) => steered.has(t.l7)));
  }

  /** The health the weights come from: the monitor's, and down where the tunnel says so. */
  private health(): ReadonlyMap<string, TargetHealth> {
    const monitor = this.monitor.snapshot();
    if (!this.tunnel) return monitor;
    const r = withTunnelHealth(monitor, this.tunnel.monitor.snapshot());
    const aside = r.setAside.join(', ');
    if (aside !== this.tunnelSetAside) {
      if (aside !== '') this.deps.log.error({ services: r.setAside }, `checks through the tunnel fail for every L7 node of ${aside} that the monitor says is up: this node's check path is suspect (accept_local, a filter, the marks); the monitor alone decides for ${aside}`);
      else this.deps.log.info('checks through the tunnel count again for every service');
      this.tunnelSetAside = aside;
    }
    return r.health;
  }

  async plan(site: Site): Promise<L4Plan> {
    const node = this.nodeIn(site);
    if (this.stopRequestedAt === undefined) {
      await this.monitor.sync(l7CheckTargets(site, node));
      await this.syncTunnelChecks(site, node);
      this.site = site;
      await this.listenForHints(node);
    }
    const now = this.deps.clock.now();
    const reading = await this.disable.read(now, fleetWordOf(this.deps.fleet?.(), [node.name], now));
    if (reading.warnings.length > 0) this.deps.log.warn({ file: this.deps.node.agent.disableFile, warnings: reading.warnings }, 'disable file');
    this.lastReading = reading;
    showMaintenanceState(this.deps.metrics, this.deps.node.agent.disableFile, this.stopRequestedAt !== undefined ? 'stopping' : reading.disable.disabled ? 'disabled' : 'enabled');
    const sessionTimers = await this.rollSessionTimers(site, node, now);
    const base = planL4(site, node, {
      now, disable: reading.disable, health: this.health(),
      ipvsVerified: this.ipvs !== undefined && this.ipvs.isVerified && this.drivers.net.essentialHeld,
      announcing: new Set(this.announcer.announcing.filter((a) => !a.gracefulShutdown).map((a) => a.vip as string)),
      ...(this.stopRequestedAt !== undefined ? { stopRequestedAt: this.stopRequestedAt } : {}),
    }, sessionTimers);
    const plan = this.keepDeparting(site, base, now);
    this.lastPlan = plan;
    this.timers.wakeAt('drain or ramp step', plan.node.wakeAt);
    this.timers.wakeAt('disable expiry', reading.expiresAt);
    return plan;
  }

  async apply(site: Site, p: L4Plan): Promise<boolean> {
    const node = this.nodeIn(site);
    const configured = await this.announcer.configure(site, node, p.speaker);
    if (configured) this.sessionTimers.taken();
    if (!this.ipvs) return (await this.announcer.announce(site, node, p.speaker, [])) === undefined && configured;
    // Moving traffic away goes first, and waits for no table read; attracting it waits for a verified table.
    const attracts = this.announcer.attracts(p.node.announcements);
    const leaving = !attracts && !sameAnnouncements(this.announcer.announcing, p.node.announcements);
    // Due by the timer, or by the clock when a turn comes first.
    const now = this.deps.clock.now();
    const check = this.driftCheckDue || now - this.kernelCheckedAt >= IPVS_REPAIR_MS;
    if (check) this.kernelCheckedAt = now;
    const netCheck = this.netCheckDue || now - this.netCheckedAt >= NET_CHECK_MS;
    this.netCheckDue = false;
    if (netCheck) this.netCheckedAt = now;
    let speakerError = attracts ? undefined : await this.announce(site, node, p, check);
    const wasVerified = this.ipvs.isVerified && this.drivers.net.essentialHeld;
    const net = await this.drivers.net.apply(p.netOps, { check: netCheck });
    for (const r of net.repaired) this.deps.metrics.driftRepairs.inc({ kind: kernelStateKind(r.op) });
    if ((await this.flowEntropy.apply(p.flowEntropy, node)) === 'retry') this.timers.retry(FLOW_ENTROPY_RETRY_MS, 'flow entropy');
    // After the sysctls (sync_version) it needs; the daemons stay through a planned stop, as the table does.
    if ((await this.connectionSync.apply(p.connectionSync, check)) === 'retry') this.timers.retry(CONNECTION_SYNC_RETRY_MS, 'connection sync');
    await this.applyCheckServices(site, node);
    this.driftCheckDue = false;
    const table = net.essential ? await this.ipvs.apply(p.node.ipvs, { leaving, verify: attracts || !wasVerified, check }) : undefined;
    if (table?.kind !== 'verified') {
      // Withdraw at once if we were announcing; otherwise only retry later, never in a tight loop.
      if (wasVerified) void this.deps.kick('IPVS no longer verified: plan again without announcing');
      this.timers.retry(RETRY_MS);
      return false;
    }
    if (!wasVerified) void this.deps.kick('IPVS table verified');
    if (attracts) speakerError = await this.announce(site, node, p, check);
    recordL4Metrics(this.deps.metrics, site, p.node, this.ipvs.status().kernel);
    if (speakerError !== undefined || !net.all || !configured) this.timers.retry(RETRY_MS);
    return net.all && speakerError === undefined && configured;
  }

  /** The plan's announcements to the speaker; on a drift check, what it put back is counted. */
  private async announce(site: Site, node: SiteNode, p: L4Plan, check: boolean): Promise<string | undefined> {
    const before = this.announcer.driftRepairs;
    const error = await this.announcer.announce(site, node, p.speaker, p.node.announcements, { check });
    if (this.announcer.driftRepairs > before) this.deps.metrics.driftRepairs.inc({ kind: 'route' }, this.announcer.driftRepairs - before);
    return error;
  }

  /** Check services follow the site's L7 nodes; a change brings a turn, which starts the checks of the nodes it added. */
  private async applyCheckServices(site: Site, node: SiteNode): Promise<void> {
    if (!this.tunnel || this.stopRequestedAt !== undefined) return;
    if (this.driftCheckDue) this.tunnel.services.forget();
    const changed = await this.tunnel.services.apply(planTunnelCheckServices(site, node), (mark) => isTunnelCheckMark(site, mark));
    if (changed) void this.deps.kick('check services through the tunnel changed');
    else if (this.tunnel.services.problem !== undefined) this.timers.retry(RETRY_MS);
  }

  private tunnelStatus(site: Site): string {
    if (!site.l4.tunnelChecks.enabled) return 'checks through the tunnel: off in the site file';
    if (!this.tunnel) return this.tunnelNote;
    const problem = this.tunnel.services.problem;
    if (problem !== undefined) return `${this.tunnelNote}; check services not applied: ${problem}`;
    const targets = tunnelCheckTargets(site, this.nodeIn(site));
    const aside = this.tunnelSetAside !== '' ? `; set aside for ${this.tunnelSetAside}: every L7 node fails them, this node's check path is suspect` : '';
    return `${this.tunnelNote}; ${targets.length} (L7 node, service) pairs, ${tunnelCheckRate(targets).toFixed(1)} connections/s${aside}`;
  }

  status(site: Site): RoleStatus {
    const ipvs = this.ipvs?.status();
    const speaker = this.announcer.status();
    const services = l4ServiceStatus(site, {
      plan: this.lastPlan?.node, kernel: ipvs?.kernel, drift: ipvs?.drift ?? new Map(), ...(this.blocker !== undefined ? { blocker: this.blocker } : {}),
    });
    const withSpeaker = speaker.problem === undefined ? services : services.map((s) => ({
      ...s, vips: s.vips.map((v) => ({ ...v, reason: `${v.reason}; BGP speaker: ${speaker.problem}` })),
    }));
    const reading = this.lastReading;
    return {
      maintenance: [{ file: this.deps.node.agent.disableFile, state: reading?.status ?? 'not read yet', ...(reading?.disable.reason !== undefined ? { reason: reading.disable.reason } : {}) }],
      services: withSpeaker,
      notes: [
        this.ipvsNote,
        this.tunnelStatus(site),
        this.flowEntropy.status(this.lastPlan?.flowEntropy),
        this.connectionSync.status(),
        `IPVS drift check every ${IPVS_REPAIR_MS / 1000} s, ${ipvs?.lastCheck ?? 'not run: no IPVS'}`,
        `${netDriftText(this.drivers.net.drift, NET_CHECK_MS)}; BGP speaker: ${this.announcer.driftRepairs} announcements put back`,
        ...(speaker.restartNeeded !== undefined ? [`restart needed: ${speaker.restartNeeded}`] : []),
      ],
    };
  }

  async stop(site: Site): Promise<void> {
    this.stopRequestedAt = this.deps.clock.now();
    this.deps.log.info({ drainTime: site.bgp.drainTime.toString() }, 'planned stop: graceful-shutdown community, then withdraw');
    clearInterval(this.repairTimer);
    this.kernelEvents?.stop();
    await this.hints.closeAll();
    await this.monitor.stop();
    await this.tunnel?.monitor.stop();
    for (let turn = 0; turn < STOP_TURNS; turn++) {
      await this.deps.kick('planned stop');
      const p = this.lastPlan?.node;
      if (!p || p.announcements.length === 0 || p.wakeAt === undefined) break;
      await this.deps.clock.sleep(Math.min(site.bgp.drainTime.ms, Math.max(0, p.wakeAt - this.deps.clock.now())));
    }
    this.timers.clear();
    await this.announcer.stop();
    this.deps.log.info('planned stop done: VIPs withdrawn, speaker stopped, IPVS table left in place');
  }

  /**
   * BIRD restarts a session whose timers change: both of this node's
   * sessions at once would take its paths off both reflectors, and with
   * every L4 node edited together, every path off the routers. So the
   * sessions move one at a time, each once the others are established
   * (tiers/ecmp/rolling-timers.ts), read every second while one is pending.
   */
  private async rollSessionTimers(site: Site, node: SiteNode, now: number): Promise<ReadonlyMap<string, TimersView> | undefined> {
    if (site.bgp.speaker !== 'bird') return undefined;
    if (this.sessionTimers.pending > 0) {
      const up = await this.drivers.speaker.established(node);
      if (up) this.sessionTimers.observe(up);
    }
    const rolled = this.sessionTimers.plan(site, node);
    if (rolled.news) this.deps.log.info({ pending: rolled.pending }, 'BGP timers changed: moving the sessions to them one at a time, each once the others are established');
    this.timers.wakeAt('BGP sessions', rolled.pending > 0 ? now + SESSION_READ_MS : undefined);
    return rolled.timers;
  }

  /** L7 nodes removed from a service stay with weight 0 until their connections are gone (tiers/l4/departures.ts). */
  private keepDeparting(site: Site, plan: L4Plan, now: number): L4Plan {
    const previous = this.lastPlan?.node.ipvs;
    const tracked = trackDepartures(previous, plan.node.ipvs, this.departures, now);
    const ipvs = this.ipvs?.status();
    const kernel = ipvs?.kernel !== undefined && ipvs.kernelAt !== undefined ? { table: ipvs.kernel, at: ipvs.kernelAt } : undefined;
    const kept = stillDeparting(site, tracked, kernel, now);
    const key = (d: Departure): string => `${d.vip}:${d.port} ${d.destination.node}`;
    const was = new Set(this.departures.map(key));
    const stays = new Set(kept.map(key));
    for (const d of kept) if (!was.has(key(d))) this.deps.log.info({ departure: key(d) }, `L7 node ${d.destination.node} left ${d.vip}:${d.port}: weight 0 until its connections are gone`);
    for (const d of this.departures) if (!stays.has(key(d))) this.deps.log.info({ departure: key(d), ms: now - d.since }, `L7 node ${d.destination.node} removed from ${d.vip}:${d.port}`);
    this.departures = kept;
    const bounds = kept.map((d) => d.since + departureBoundMs(site.services.find((s) => s.vips.some((v) => v === d.vip))));
    this.timers.wakeAt('departure bound', bounds.length > 0 ? Math.min(...bounds) : undefined);
    if (kept.length === 0) return plan;
    return { ...plan, node: { ...plan.node, ipvs: withDepartures(plan.node.ipvs, previous, kept) } };
  }

  private async refreshFlowEntropyStats(): Promise<void> {
    const s = await this.flowEntropy.stats().catch(() => undefined);
    if (!s) return;
    for (const family of ['ipv4', 'ipv6'] as const) {
      this.deps.metrics.flowEntropyPackets.set({ family, result: 'seen' }, s.seen[family]);
      this.deps.metrics.flowEntropyPackets.set({ family, result: 'rewritten' }, s.rewritten[family]);
    }
  }

  /** This node as the current site says (its paths and ports may have changed), with the agent's overrides. */
  private nodeIn(site: Site): SiteNode {
    return nodeNamed(site, this.deps.node.name) ?? this.deps.node;
  }
}
