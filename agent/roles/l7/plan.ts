// Everything an L7 node should be after one turn, as data: haproxy.cfg, the
// kernel's tunnels and VIP addresses, the enabler server's state (the node's
// own maintenance, which the L4 nodes read through the monitor URI), and
// where its agent-check answers HAProxy. Pure.
import type { Site, SiteNode } from '../../../site/index.js';
import type { AgentReason, AgentState } from '../../../tiers/backend/index.js';
import type { NetOp } from '../../../tiers/common/files.js';
import { haproxyView, l7NetOps, renderHaproxyCfg } from '../../../tiers/l7/index.js';
import type { CertificateDigests } from '../../../tiers/l7/certificates.js';
import { planMssClamp, type MssClampPlan } from '../../../tiers/l7/mss.js';
import { planServerAdmin, type ServerAdminPlan, type ServerWord } from '../../../tiers/l7/server-admin.js';
import { serverPortsOf, type ServerPorts } from '../../../tiers/l7/server-state.js';
import type { Endpoint } from '../../apply/listeners.js';
import { enablerStateOf, type EnablerState } from './enabler.js';

export interface L7Plan {
  readonly config: string;
  /** The port of every server in `config`: a reload carries the servers' runtime state, not their old ports. */
  readonly serverPorts: ServerPorts;
  readonly netOps: readonly NetOp[];
  readonly enabler: EnablerState;
  /** HAProxy's enabler asks this node's agent here (loopback only). */
  readonly agentCheck: Endpoint;
  /** What the MSS clamp program holds: the VIPs served here and each family's MSS. */
  readonly mssClamp: MssClampPlan;
  /** Backend servers the fleet state drains or weighs. */
  readonly serverAdmin: ServerAdminPlan;
}

/** What the enabler says while the agent stops: the L4 nodes take this node out before HAProxy goes. */
export const STOPPING: AgentState = { state: 'down', reason: 'tierlb agent stopping' as AgentReason };

/** `certificates`: the digests of the TLS certificate files now; a changed one changes `config`, which HAProxy then reloads. */
export function planL7(
  site: Site, node: SiteNode, maintenance: AgentState, stopping: boolean,
  servers: ReadonlyMap<string, ServerWord> = new Map(), certificates?: CertificateDigests,
): L7Plan {
  // One view for the config and its server ports.
  const view = node.role === 'l7' ? haproxyView(site, node, certificates) : undefined;
  return {
    config: view ? renderHaproxyCfg(view) : '',
    serverPorts: view ? serverPortsOf(view) : new Map(),
    netOps: view ? l7NetOps(site, node) : [],
    enabler: enablerStateOf(stopping ? STOPPING : maintenance),
    agentCheck: { host: '127.0.0.1', port: node.agent.agentCheckPort },
    mssClamp: planMssClamp(site, node.name),
    serverAdmin: planServerAdmin(view, servers),
  };
}
