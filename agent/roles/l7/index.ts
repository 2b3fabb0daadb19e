// The l7 role: an L7 node's agent. observe (the node's agent-check file) →
// planL7 (pure) → appliers that own their state: the kernel's tunnels and
// VIP addresses on lo, haproxy.cfg (checked, installed, reloaded without
// dropping a connection), the enabler server's state pushed through the
// runtime API, and the agent-check listener HAProxy's enabler polls.
//
// Two paths carry the enabler state: the push in the turn that read the
// file (well under a second), and the agent-check HAProxy polls every
// agent-inter, which says the same thing and repairs what a failed push or
// a restart of HAProxy missed.
import { readFile } from 'node:fs/promises';
import { nodeNamed, servicesOnL7, type Site, type SiteNode } from '../../../site/index.js';
import { renderAgentReply, type AgentReply } from '../../../tiers/backend/index.js';
import type { NetOp } from '../../../tiers/common/files.js';
import { trackAddressDepartures, withLeavingAddresses, type AddressDeparture } from '../../../tiers/l7/departures.js';
import { haproxyPaths } from '../../../tiers/l7/index.js';
import { enablerView } from '../../../tiers/l7/view-backends.js';
import { fileAgentCheckSource, startAgentCheckServer } from '../../agentcheck/index.js';
import { installDaemonFiles } from '../../apply/daemon-files.js';
import { addressBytes, addressOf, tcMssClampPort, type MssClampPort } from '../../drivers/bpf/mss-clamp-port.js';
import type { MssClampPlan } from '../../../tiers/l7/mss.js';
import { MssClampApplier } from './mss-clamp-applier.js';
import { ListenerSet, type Opener } from '../../apply/listeners.js';
import { kernelStateKind, NET_CHECK_MS, NetApplier, netDriftText } from '../../apply/net-applier.js';
import { procSysctl } from '../../drivers/kernel/netops.js';
import { ipMonitorEvents, type KernelEventsPort } from '../../drivers/kernel/link-events.js';
import { processRunner } from '../../drivers/kernel/runner.js';
import { Timers } from '../../loop/timers.js';
import type { InstallResult } from '../../install/install.js';
import { RoleStartError, type Role, type RoleDeps, type RoleStatus } from '../../role.js';
import { EnablerApplier } from './enabler-applier.js';
import { haproxyControl, type HaproxyControl } from './haproxy.js';
import { HaproxyApplier } from './haproxy-applier.js';
import { planL7, STOPPING, type L7Plan } from './plan.js';
import { RecheckHints, udpHintSend, type HintSend } from './recheck-hints.js';
import { l7ServiceStatus, parseShowStat, type StatRow } from './status.js';
import { ServerAdminApplier } from './server-admin-applier.js';
import { agentDecisionWithFleet, fleetWordOf, nextFleetExpiry, serverWordsOf } from '../../../fleet/precedence.js';
import { readAtMostEvery } from '../../observe/metrics.js';
import { CertificateWatch, fileCertificates, type CertificateSource } from '../../inputs/certificates.js';
import { certificatePaths, changedCertificates, type CertificateDigests } from '../../../tiers/l7/certificates.js';
import { showMaintenanceState } from '../../observe/maintenance-metric.js';

export type { L7Plan } from './plan.js';

/** The l7 role's effects; tests pass fakes, the agent the real ones. */
export interface L7Drivers {
  readonly haproxy: HaproxyControl;
  readonly net: Pick<NetApplier, 'apply' | 'drift'>;
  readonly install: (config: string) => Promise<InstallResult>;
  readonly installed: () => Promise<string | undefined>;
  /** Opens an agent-check listener answering with `read`. */
  readonly agentCheck: (read: () => Promise<AgentReply>) => Opener;
  /** Sends one recheck hint to an L4 node. */
  readonly hintSend: HintSend;
  /** The MSS clamp program and its maps. */
  readonly mssClamp: MssClampPort;
  /** Links and addresses undone under the agent, as the kernel reports them; absent: read back on the interval only. */
  readonly kernelEvents?: KernelEventsPort;
  /** The TLS certificate files: their digests, and a watch on them. */
  readonly certificates: CertificateSource;
}

/** The MSS clamp's counts are read for a scrape, at most this often: each read is a bpftool process. */
const MSS_STATS_MS = 10_000;
/** An MSS clamp that could not be attached or written is tried again this much later: the node serves without it meanwhile. */
const MSS_RETRY_MS = 10_000;
/** A turn after a failed step that may succeed later (HAProxy starting, a socket busy). */
const RETRY_MS = 1000;
/**
 * How often the VIP addresses and sysctls this node applied, and the server
 * states it set in HAProxy, are read back and put back where something undid
 * them: a VIP deleted from lo by hand would otherwise blackhole its flows
 * until the next site change. The kernel's read is a process start.
 */
export const KERNEL_CHECK_MS = NET_CHECK_MS;
/** HAProxy moves to a new agent-check port at its reload, in the same turn; the old listener waits a little longer. */
const AGENT_CHECK_LINGER_MS = 30_000;

/** Without the ipip module (a host kernel, a lab) tunl0 and its sysctl fail and nothing here can fix them: only a missing VIP address stops the node from serving. */
const isAddress = (op: NetOp): boolean => op.kind === 'address';

export function realL7Drivers(deps: RoleDeps): L7Drivers {
  const paths = haproxyPaths(deps.node);
  return {
    haproxy: haproxyControl(paths, deps.supervisor, deps.clock, deps.log),
    net: new NetApplier(processRunner, deps.log, { essential: isAddress, permanent: (op) => !isAddress(op) }, procSysctl(processRunner)),
    install: (config) => installDaemonFiles(deps, deps.node.agent.configDir, 'haproxy', [{ name: 'haproxy.cfg', daemon: 'haproxy', content: config }]),
    installed: () => readFile(paths.config, 'utf8').catch(() => undefined),
    hintSend: udpHintSend,
    agentCheck: (read) => (e) => startAgentCheckServer({ host: e.host, port: e.port, logger: deps.log, read, metrics: deps.metrics }),
    mssClamp: tcMssClampPort(processRunner),
    kernelEvents: ipMonitorEvents(deps.log),
    certificates: fileCertificates,
  };
}

export function l7Role(deps: RoleDeps, drivers: L7Drivers = realL7Drivers(deps)): Role<L7Plan> {
  return new L7Role(deps, drivers);
}

class L7Role implements Role<L7Plan> {
  readonly watched: readonly string[];
  private readonly source;
  private readonly haproxy: HaproxyApplier;
  private readonly enabler: EnablerApplier;
  private readonly serverAdmin: ServerAdminApplier;
  private readonly hints: RecheckHints;
  private readonly listeners: ListenerSet;
  private readonly timers: Timers;
  private readonly enablerServer;
  private stopping = false;
  private stats: StatRow[] | undefined;
  private readonly mss: MssClampApplier;
  private lastMss: MssClampPlan | undefined;
  /** VIP addresses of services this node left, kept for the flows it holds (tiers/l7/departures.ts). */
  private leaving: AddressDeparture[] = [];
  private lastNetOps: readonly NetOp[] = [];
  private kernelTimer: NodeJS.Timeout | undefined;
  private kernelCheckDue = false;
  private kernelCheckedAt = 0;
  private kernelEvents: { stop(): void } | undefined;
  private readonly certificateWatch: CertificateWatch;
  /** The certificates' digests of the last plan: what the config carries now. */
  private certificateDigests: CertificateDigests | undefined;

  constructor(private readonly deps: RoleDeps, private readonly drivers: L7Drivers) {
    this.watched = [deps.node.agent.agentCheckFile];
    // The agent-check HAProxy polls answers with etcd's state too: it must not undo what the push set.
    this.source = fileAgentCheckSource(deps.node.agent.agentCheckFile, deps.log, undefined,
      (d) => agentDecisionWithFleet(d, fleetWordOf(deps.fleet?.(), [deps.node.name], deps.clock.now()), 'l7 node'));
    this.enablerServer = enablerView(deps.node);
    this.haproxy = new HaproxyApplier({ haproxy: drivers.haproxy, install: drivers.install, installed: drivers.installed, log: deps.log, metrics: deps.metrics, clock: deps.clock });
    this.enabler = new EnablerApplier(drivers.haproxy.runtime, this.enablerServer, () => this.haproxy.saveState(), deps.log, deps.clock);
    this.serverAdmin = new ServerAdminApplier(drivers.haproxy.runtime, deps.log);
    this.hints = new RecheckHints(drivers.hintSend, deps.log);
    this.mss = new MssClampApplier(drivers.mssClamp, deps.log, (a) => addressOf(addressBytes(a)), () => deps.clock.now());
    this.timers = new Timers(deps.clock, (reason) => void deps.kick(reason, { repair: true }));
    const read = async (): Promise<AgentReply> => (this.stopping ? renderAgentReply(STOPPING) : this.source.read());
    this.listeners = new ListenerSet(drivers.agentCheck(read), deps.clock, AGENT_CHECK_LINGER_MS);
    this.certificateWatch = new CertificateWatch(drivers.certificates, (path) => void deps.kick(`certificate ${path} written`));
  }

  async start(site: Site): Promise<void> {
    const node = this.nodeIn(site);
    const first = planL7(site, node, { state: 'up' }, false, new Map(), await this.readCertificates(site, node));
    this.lastNetOps = first.netOps;
    await this.drivers.net.apply(first.netOps);
    const bound = await this.listeners.apply([first.agentCheck]);
    if (!bound.ok) throw new RoleStartError(`cannot start: ${bound.errors.join('; ')}`);
    const started = await this.haproxy.start(first.config, first.serverPorts);
    if (!started.started) throw new RoleStartError(`cannot start haproxy: the rendered haproxy.cfg was refused and there is no earlier one at ${haproxyPaths(node).config} (see the checker output above)`);
    this.deps.log.info({ adopted: started.adopted, servicesServed: servicesOnL7(site, node.name).map((s) => s.name), agentCheckPort: this.listeners.portOf(first.agentCheck) }, 'haproxy started');
    this.deps.metrics.programReaders.mssClamp = readAtMostEvery(MSS_STATS_MS, () => this.deps.clock.now(), () => this.refreshMssStats());
    this.kernelTimer = setInterval(() => {
      this.kernelCheckDue = true;
      void this.deps.kick('kernel state drift check', { repair: true });
    }, KERNEL_CHECK_MS);
    this.kernelTimer.unref();
    this.kernelEvents = this.drivers.kernelEvents?.((what) => {
      this.kernelCheckDue = true;
      void this.deps.kick(`kernel event: ${what}`, { repair: true });
    });
  }

  async plan(site: Site): Promise<L7Plan> {
    const node = this.nodeIn(site);
    await this.source.read();
    const state = this.source.current()?.state ?? { state: 'up' };
    showMaintenanceState(this.deps.metrics, this.deps.node.agent.agentCheckFile, this.stopping ? 'stopping' : state.state);
    const now = this.deps.clock.now();
    const fleet = this.deps.fleet?.();
    const servers = servicesOnL7(site, node.name).flatMap((s) => site.pools.find((p) => p.name === s.pool)?.servers.map((v) => v.name as string) ?? []);
    this.timers.wakeAt('fleet state expiry', nextFleetExpiry(fleet, [node.name, ...servers], now));
    const certificates = await this.readCertificates(site, node);
    return this.keepLeaving(site, planL7(site, node, state, this.stopping, serverWordsOf(fleet, servers, now), certificates), now);
  }

  /**
   * The certificates' digests as the files hold them now, watched from here
   * on. A changed digest changes haproxy.cfg: the applier checks it (`haproxy
   * -c` loads the certificates) and reloads, as for any other change.
   */
  private async readCertificates(site: Site, node: SiteNode): Promise<CertificateDigests> {
    const paths = certificatePaths(site, node.name);
    await this.certificateWatch.sync(paths).catch((err: unknown) => this.deps.log.error({ err, paths }, 'cannot watch the TLS certificates: a renewed one is served from the next turn on'));
    const digests = await this.drivers.certificates.digests(paths);
    const changed = this.certificateDigests ? changedCertificates(this.certificateDigests, digests) : [];
    for (const path of changed) this.deps.log.info({ certificate: path, digest: digests.get(path) ?? 'no longer used' }, `certificate ${path} changed: haproxy.cfg is checked and HAProxy reloaded with it`);
    this.certificateDigests = digests;
    return digests;
  }

  /** The addresses of services this node left stay until their bound: the L4 nodes still send it the flows it holds. */
  private keepLeaving(site: Site, plan: L7Plan, now: number): L7Plan {
    const leaving = trackAddressDepartures(site, this.lastNetOps, plan.netOps, this.leaving, now);
    const key = (d: AddressDeparture): string => d.op.address;
    const was = new Set(this.leaving.map(key));
    const stays = new Set(leaving.map(key));
    for (const d of leaving) if (!was.has(key(d))) this.deps.log.info({ vip: d.op.address, until: new Date(d.until).toISOString() }, `left the service of VIP ${d.op.address}: its address stays until the flows this node holds have ended`);
    for (const d of this.leaving) if (!stays.has(key(d))) this.deps.log.info({ vip: d.op.address }, `VIP ${d.op.address} address removed: this node left its service`);
    this.leaving = leaving;
    this.timers.wakeAt('VIP address departure', leaving.length > 0 ? Math.min(...leaving.map((d) => d.until)) : undefined);
    const netOps = withLeavingAddresses(plan.netOps, leaving);
    this.lastNetOps = netOps;
    return leaving.length === 0 ? plan : { ...plan, netOps };
  }

  async apply(site: Site, plan: L7Plan): Promise<boolean> {
    await this.moveAwayFirst(site, plan);
    // Due by the timer, or by the clock when a turn comes first.
    const check = this.kernelCheckDue || this.deps.clock.now() - this.kernelCheckedAt >= KERNEL_CHECK_MS;
    this.kernelCheckDue = false;
    if (check) this.kernelCheckedAt = this.deps.clock.now();
    const net = await this.drivers.net.apply(plan.netOps, { check });
    for (const r of net.repaired) this.deps.metrics.driftRepairs.inc({ kind: kernelStateKind(r.op) });
    // The new agent-check port is bound before HAProxy is told about it.
    const listen = await this.listeners.apply([plan.agentCheck]);
    for (const e of listen.errors) this.deps.log.error(`agent-check: ${e}; the previous listener stays`);
    this.timers.wakeAt('agent-check listener linger', listen.wakeAt);
    const running = await this.haproxy.apply(plan.config, plan.serverPorts);
    if (running.kind === 'not-ready') {
      this.timers.retry(RETRY_MS);
      return false;
    }
    // New workers read the state file saved before the reload: push anyway, it costs three commands.
    const pushed = await this.enabler.apply(plan.enabler, running.master, { again: running.reloaded });
    const before = this.serverAdmin.driftRepairs;
    const servers = await this.serverAdmin.apply(plan.serverAdmin, running.master, { again: running.reloaded, check });
    if (this.serverAdmin.driftRepairs > before) this.deps.metrics.driftRepairs.inc({ kind: 'haproxy' }, this.serverAdmin.driftRepairs - before);
    // Only once HAProxy answers with the new state: an L4 node checking now must see it.
    if (pushed) await this.hints.tell(site, this.nodeIn(site), plan.enabler);
    await this.enabler.persist();
    // Not essential to serving, and slow (it reads the kernel's filters): after what operators wait for. A clamp that could not be applied is retried, and said in status.
    this.lastMss = plan.mssClamp;
    if ((await this.mss.apply(plan.mssClamp, this.nodeIn(site))) === 'retry') this.timers.retry(MSS_RETRY_MS, 'MSS clamp');
    void this.refreshStats();
    const ok = net.essential && listen.ok && running.ok && pushed && servers;
    if (!ok) this.timers.retry(RETRY_MS);
    return ok;
  }

  /**
   * What takes traffic away goes to the running HAProxy before the rest of
   * the turn (the kernel's addresses, the config, the clamp), which can take
   * a second in a busy kernel: the backend servers etcd drains or weighs,
   * and this node's enabler when it leaves (never when it comes back: that
   * waits for the addresses and the config). The turn's own pushes after
   * the reload find nothing left to do, or push again to new workers.
   */
  private async moveAwayFirst(site: Site, plan: L7Plan): Promise<void> {
    const master = this.drivers.haproxy.masterPid();
    if (master === undefined || !this.drivers.haproxy.running()) return;
    await this.serverAdmin.apply(plan.serverAdmin, master, { again: false });
    const leaving = plan.enabler.health === 'down' || plan.enabler.admin !== 'ready';
    if (leaving && (await this.enabler.apply(plan.enabler, master, { again: false }))) await this.hints.tell(site, this.nodeIn(site), plan.enabler);
  }

  status(site: Site): RoleStatus {
    const node = this.nodeIn(site);
    const d = this.source.current();
    const row = this.stats?.find((r) => r.backend === this.enablerServer.backend && r.server === this.enablerServer.server);
    const state = this.stopping ? 'down (agent stopping)' : d ? `${d.state.state} (${d.basis})` : 'not read yet';
    return {
      maintenance: [{
        file: this.deps.node.agent.agentCheckFile,
        state: `${state}; haproxy enabler ${row ? `${enablerStatusText(row.status)}, weight ${row.weight ?? '-'}` : 'unknown'}`,
        ...(d?.state.reason ? { reason: d.state.reason } : {}),
      }],
      services: l7ServiceStatus(site, node, this.stats),
      notes: [`agent-check listening on ${this.listeners.endpoints().map((e) => `${e.host}:${e.port}`).join(', ') || 'nothing'}`, this.mss.status(this.lastMss),
        `${netDriftText(this.drivers.net.drift, KERNEL_CHECK_MS)}; HAProxy: ${this.serverAdmin.driftRepairs} server states pushed again`],
    };
  }

  async stop(site: Site): Promise<void> {
    this.stopping = true;
    clearInterval(this.kernelTimer);
    this.kernelEvents?.stop();
    const drainMs = site.bgp.drainTime.ms;
    if (this.drivers.haproxy.running()) {
      await this.deps.kick('planned stop: enabler down');
      this.deps.log.info({ drainMs }, 'planned stop: enabler down, waiting for the L4 nodes to move new flows away');
      await this.deps.clock.sleep(drainMs);
      const graceMs = softStopGraceMs(site, this.nodeIn(site));
      const result = await this.drivers.haproxy.softStop(graceMs);
      this.deps.log.info({ result, graceMs }, 'haproxy stopped');
    }
    this.timers.clear();
    await this.certificateWatch.close();
    await this.listeners.closeAll();
  }

  private async refreshMssStats(): Promise<void> {
    const s = await this.mss.stats().catch(() => undefined);
    if (!s) return;
    for (const family of ['ipv4', 'ipv6'] as const) {
      this.deps.metrics.mssSynAcks.set({ family, result: 'seen' }, s.seen[family]);
      this.deps.metrics.mssSynAcks.set({ family, result: 'clamped' }, s.clamped[family]);
    }
  }

  refreshStatus(): Promise<void> {
    return this.refreshStats();
  }

  private async refreshStats(): Promise<void> {
    const text = await this.drivers.haproxy.runtime.command('show stat -1 4 -1').catch(() => '');
    this.stats = this.drivers.haproxy.running() && text.startsWith('# ') ? parseShowStat(text) : undefined;
  }

  private nodeIn(site: Site): SiteNode {
    return nodeNamed(site, this.deps.node.name) ?? this.deps.node;
  }
}

/** The enabler has no health check, so HAProxy prints an up one as `no check`. */
const enablerStatusText = (status: string): string => (status === 'no check' ? 'UP' : status);

/**
 * How long the old workers may take to finish their connections on a planned
 * stop before SIGTERM cuts them: the longest idle timeout of the node's
 * services, so only a connection that keeps transferring past it is cut.
 */
export function softStopGraceMs(site: Site, node: SiteNode): number {
  const timeouts = servicesOnL7(site, node.name).flatMap((s) => [s.l7.timeouts.client.ms, s.l7.timeouts.server.ms]);
  return Math.max(5000, ...timeouts);
}
