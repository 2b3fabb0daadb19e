// Kernel state an L4 node needs besides the IPVS table, as NetOps. The
// net.ipv4.vs.* keys exist only once the ip_vs module is loaded, and they
// apply to IPv6 services too (IPVS has one set per network namespace); see
// Documentation/networking/ipvs-sysctl.rst.
//
// Not here on purpose: net.ipv4.ip_forward / net.ipv6.conf.all.forwarding.
// A VIP packet is delivered locally (LOCAL_IN, thanks to the dummy device)
// and IPVS sends the encapsulated copy as a locally generated packet from
// this node's own address, so nothing is forwarded in the routing sense.
import { allVips, familyOf, type IpAddress, type Site, type SiteNode } from '../../site/index.js';
import { flowEntropySources, planFlowEntropy } from './flow-entropy.js';
import type { NetOp } from '../common/files.js';

/** The local device that holds the VIPs, so IPVS sees their packets in LOCAL_IN. */
export const VIP_DEVICE = 'tierlb0';

type Sysctl = Extract<NetOp, { kind: 'sysctl' }>;
const sysctl = (key: string, value: string, why: string): Sysctl => ({ kind: 'sysctl', key, value, why });

export const IPVS_SYSCTLS: readonly Sysctl[] = [
  sysctl('net.ipv4.vs.sloppy_tcp', '1',
    'ECMP may move a flow to this L4 node mid-connection: create the connection entry from a non-SYN packet instead of passing it to the local stack, which would reset it'),
  sysctl('net.ipv4.vs.pmtu_disc', '1',
    'answer too-big DF packets with ICMP fragmentation-needed so the client lowers its path MTU, rather than fragmenting the IPIP packet the L7 node must reassemble; the kernel default, pinned'),
  sysctl('net.ipv4.vs.expire_nodest_conn', '0',
    'a destination removed by a config change keeps its connection entries: their packets are dropped quietly instead of the flows being expired, and they resume if it is added back; draining uses weight 0, never removal'),
  sysctl('net.ipv4.vs.expire_quiescent_template', '0',
    'weight 0 means quiescent: no new flows, existing ones continue; mh services are not persistent, so this is pinned to the default for the drain contract only'),
  sysctl('net.ipv4.vs.schedule_icmp', '1',
    'an ICMP error about a flow this node never saw (too big on the L7 node\'s path back to the user, reaching this node by ECMP) is scheduled like the flow and tunnelled to the L7 node that holds it, instead of being handed to the local stack, which has no socket for it; without it that download stalls where the path MTU drops'),
  sysctl('net.ipv4.vs.conn_reuse_mode', '2',
    'a SYN that reuses the port of a finished flow goes through the Maglev table like on every other L4 node; mode 2 adds FIN_WAIT, the last state a tunnel-mode director sees; the 1 s SYN-drop delay of reuse only occurs with vs.conntrack=1, left at 0 here'),
];

/**
 * With l4.connectionSync. A synced entry is found by the same lookup as a
 * local one (ip_vs_conn_in_get matches addresses, ports and protocol, not
 * IP_VS_CONN_F_SYNC) and takes the tunnel of its destination here
 * (ip_vs_bind_dest); sloppy_tcp stays on for the flows no entry covers yet
 * (not synced before their third packet, or lost messages), which Maglev
 * then schedules as before. docs/connection-sync.md.
 */
const SYNC_SYSCTLS: readonly Sysctl[] = [
  sysctl('net.ipv4.vs.sync_version', '1',
    'sync messages of version 1 carry IPv6 connections and each entry\'s timeout; version 0 drops IPv6 and gives every synced entry a default timeout; the kernel default, pinned'),
  sysctl('net.ipv4.vs.backup_only', '0',
    'every L4 node runs a backup sync daemon and keeps serving: backup_only=1 would stop IPVS from scheduling on a node while its backup daemon runs'),
];

/** A check through the tunnel is answered by the L7 node from the VIP, an address this node holds too: without this the answer is a martian and dropped. */
const ACCEPT_LOCAL = sysctl('net.ipv4.conf.all.accept_local', '1',
  'the answer to a check through the tunnel comes from the VIP, which is local here too; IPv4 drops a packet from outside with a local source unless accept_local is set (IPv6 has no such rule)');

const hostAddress = (address: IpAddress, why: string): NetOp => ({
  kind: 'address', device: VIP_DEVICE, address, prefixLength: familyOf(address) === 'ipv4' ? 32 : 128, why,
});

/**
 * The dummy device, every VIP on it as a /32 or /128, the node's outer
 * sources of tunnelled flows (without them `node` may be omitted), then the
 * IPVS sysctls.
 */
export function planNetOps(site: Site, node?: SiteNode): NetOp[] {
  const vips = allVips(site).map((vip) => hostAddress(vip, 'local VIP: IPVS schedules packets delivered to this host'));
  // Held so that an ICMP error about a tunnelled packet (too big on the way
  // to an L7 node) is delivered here rather than dropped as for nobody.
  const sources = node ? flowEntropySources(planFlowEntropy(site, node)).map((a) => hostAddress(a, 'outer source of tunnelled flows: errors about them come back here')) : [];
  return [
    { kind: 'link', name: VIP_DEVICE, type: 'dummy', why: 'a device of its own for the VIPs: they are added and removed without touching the uplink' },
    { kind: 'up', name: VIP_DEVICE },
    ...vips,
    ...sources,
    ...IPVS_SYSCTLS,
    ...(site.l4.tunnelChecks.enabled ? [ACCEPT_LOCAL] : []),
    ...(site.l4.connectionSync.enabled ? SYNC_SYSCTLS : []),
  ];
}
