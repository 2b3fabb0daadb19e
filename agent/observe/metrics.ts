// Every metric of the agent, declared once, on a registry passed in (tests
// make their own). Names follow tierlb_<tier>_<thing>_<unit>.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event loop's delay is sampled for the default metrics.
 * prom-client samples every 10 ms, which wakes an idle agent 100 times a
 * second; in a one-CPU lab kernel running 16 agents those wakeups were most
 * of the agents' idle CPU. A stall that matters to this agent lasts seconds.
 */
export const EVENT_LOOP_SAMPLE_MS = 500;

/**
 * Reading a program's counters starts bpftool (a process start, costly in a
 * slow kernel): done for a scrape, not on a timer.
 */
export interface ProgramReaders {
  flowEntropy?: () => Promise<void>;
  mssClamp?: () => Promise<void>;
  /** Reads /proc (the connection table can be large): for a scrape, at most every 30 s. */
  connectionSync?: () => Promise<void>;
}

/** `read` at most once per `minAgeMs`: a scrape soon after another shows the counts that one read. */
export function readAtMostEvery(minAgeMs: number, now: () => number, read: () => Promise<void>): () => Promise<void> {
  let last = -Infinity;
  return async () => {
    if (now() - last < minAgeMs) return;
    last = now();
    await read();
  };
}

export function createMetrics(registry: Registry = new Registry(), withDefaults = false) {
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'tierlb_agent_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const r = [registry];
  const programReaders: ProgramReaders = {};
  return {
    registry,
    /** Set by the role that holds a program: the gauge reads the program's maps when it is scraped. */
    programReaders,
    announced: new Gauge({ name: 'tierlb_ecmp_vip_announced', help: '1 when this node announces the VIP, 0.5 with the graceful-shutdown community, 0 withdrawn', labelNames: ['service', 'vip'], registers: r }),
    realServerWeight: new Gauge({ name: 'tierlb_l4_realserver_weight', help: 'IPVS weight of a real server (L7 node), desired by the plan or read from the kernel', labelNames: ['service', 'vip_port', 'real_server', 'source'], registers: r }),
    realServerConnections: new Gauge({ name: 'tierlb_l4_realserver_connections', help: 'IPVS connection entries of a real server (L7 node) for a VIP:port, active (established) and inactive (others), as last read from the kernel (every verify and drift check)', labelNames: ['service', 'vip_port', 'real_server', 'state'], registers: r }),
    realServerHealthy: new Gauge({ name: 'tierlb_l4_realserver_healthy', help: '1 when the real server passes its monitor-URI check', labelNames: ['service', 'real_server'], registers: r }),
    depoolBlocked: new Gauge({ name: 'tierlb_l4_depool_blocked_realservers', help: 'real servers kept in the table by the depool threshold despite failing checks', labelNames: ['service'], registers: r }),
    recheckHints: new Counter({ name: 'tierlb_l4_recheck_hints_total', help: 'datagrams on the recheck-hint port: taken (the named L7 node checked at once) or refused (not a hint from an L7 node of the site)', labelNames: ['result'], registers: r }),
    mssSynAcks: new Gauge({ name: 'tierlb_l7_mss_clamp_syn_acks', help: 'SYN-ACKs from VIPs the MSS clamp program saw and clamped (lowered) since it was loaded, read from its maps when scraped (at most every 10 s)', labelNames: ['family', 'result'], registers: r, collect: () => programReaders.mssClamp?.() }),
    flowEntropyPackets: new Gauge({ name: 'tierlb_l4_flow_entropy_packets', help: 'tunnelled packets from this node\'s own address the flow-entropy program saw, and gave another outer source (one of the node\'s tunnelSources), since it was loaded; read from its maps when scraped (at most every 10 s)', labelNames: ['family', 'result'], registers: r, collect: () => programReaders.flowEntropy?.() }),
    syncDaemonUp: new Gauge({ name: 'tierlb_l4_sync_daemon_up', help: '1 when the kernel runs this L4 node\'s IPVS sync daemon of that state (master: sends this node\'s connection entries; backup: takes the other nodes\') with the site\'s settings, 0 when it should and does not, or connection sync is off', labelNames: ['state'], registers: r }),
    syncDaemonChanges: new Counter({ name: 'tierlb_l4_sync_daemon_changes_total', help: 'IPVS sync daemons started and stopped by this agent (a settings edit is a stop and a start), by state and action', labelNames: ['state', 'action'], registers: r }),
    syncDaemonErrors: new Counter({ name: 'tierlb_l4_sync_daemon_errors_total', help: 'starts and stops of an IPVS sync daemon the kernel refused, by state, and failed reads of the kernel\'s daemons (state list)', labelNames: ['state'], registers: r }),
    syncConnections: new Gauge({ name: 'tierlb_l4_sync_connections', help: 'IPVS connection entries on this L4 node by origin: local (scheduled here) or sync (made by the backup daemon from another node\'s messages); read from /proc/net/ip_vs_conn_sync when scraped, at most every 30 s, with connection sync on', labelNames: ['origin'], registers: r, collect: () => programReaders.connectionSync?.() }),
    syncReceiveDrops: new Gauge({ name: 'tierlb_l4_sync_receive_drops', help: 'sync messages the backup daemon\'s UDP socket dropped (receive buffer full) since the daemon started: entries of other nodes this node lacks; read from /proc/net/udp(6) with tierlb_l4_sync_connections', registers: r }),
    tunnelChecks: new Counter({ name: 'tierlb_l4_tunnel_checks_total', help: 'connections of the checks through the tunnel, by L7 node, service and outcome (ok, fail, timeout, refused, reset, stalled)', labelNames: ['real_server', 'service', 'result'], registers: r }),
    checksStalled: new Counter({ name: 'tierlb_l4_health_checks_stalled_total', help: 'checks of an L7 node whose deadline this agent judged too late to blame the node (the agent was starved): not counted for or against it', labelNames: ['real_server'], registers: r }),
    driftRepairs: new Counter({ name: 'tierlb_agent_drift_repairs_total', help: 'state the agent had applied and its drift check found undone, then put back, by kind: address, link, sysctl (kernel), route (a VIP the BGP speaker should announce, or should not), haproxy (a server state the fleet state set), state-file (gdnsd\'s VIP states)', labelNames: ['kind'], registers: r }),
    ipvsDrift: new Counter({ name: 'tierlb_l4_ipvs_drift_total', help: 'differences found between the kernel IPVS table and the plan', labelNames: ['service'], registers: r }),
    dnsVipUp: new Gauge({ name: 'tierlb_dns_vip_up', help: '1 when this DNS node writes the VIP UP in gdnsd\'s state (checks pass, or not decided yet), 0 when DOWN', labelNames: ['service', 'vip'], registers: r }),
    reloads: new Counter({ name: 'tierlb_agent_daemon_reloads_total', help: 'configuration installs and reloads by daemon and result', labelNames: ['daemon', 'result'], registers: r }),
    restarts: new Counter({ name: 'tierlb_agent_daemon_restarts_total', help: 'restarts of a supervised daemon after it exited', labelNames: ['daemon'], registers: r }),
    maintenance: new Gauge({ name: 'tierlb_agent_maintenance_state', help: '1 for the current state of each maintenance file', labelNames: ['file', 'state'], registers: r }),
    maintenanceReaction: new Histogram({ name: 'tierlb_agent_maintenance_reaction_seconds', help: 'from a maintenance file\'s change (the file system\'s event) to the end of the agent\'s turn that applied it', labelNames: ['file'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: r }),
    turns: new Counter({ name: 'tierlb_agent_turns_total', help: 'plan/apply turns by outcome', labelNames: ['outcome'], registers: r }),
    planSeconds: new Histogram({ name: 'tierlb_agent_plan_duration_seconds', help: 'time to compute a plan', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1], registers: r }),
    applySeconds: new Histogram({ name: 'tierlb_agent_apply_duration_seconds', help: 'time to apply a plan', buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: r }),
    agentCheckRejected: new Counter({ name: 'tierlb_agent_agentcheck_rejected_total', help: 'agent-check connections closed on a misbehaving client: reset (before the answer; HAProxy resets every check once it has it), lifetime, input, cap', labelNames: ['reason'], registers: r }),
    etcdReachable: new Gauge({ name: 'tierlb_fleet_etcd_reachable', help: '1 while this agent reads and watches the fleet state in etcd; 0 while it is cut off and keeps the last state it saw (fail static); absent without an etcd: section', registers: r }),
    etcdUnreachableSince: new Gauge({ name: 'tierlb_fleet_etcd_unreachable_since_seconds', help: 'Unix time since which etcd could not be read; 0 while it can', registers: r }),
    fleetRecords: new Gauge({ name: 'tierlb_fleet_records', help: 'pool records of the fleet state this agent holds, by state (yes, drain, no) as they read now', labelNames: ['pooled'], registers: r }),
    configRejected: new Counter({ name: 'tierlb_agent_config_rejected_total', help: 'site files refused by validation or by a daemon checker; the running state stayed', labelNames: ['stage'], registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
