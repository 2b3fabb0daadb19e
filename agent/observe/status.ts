// What `tierlb status` shows: desired versus actual, per service and per real
// server. The agent fills it from its last plan and its observations; the CLI
// reads it over HTTP and prints it with formatStatus.
import type { MaglevServiceStatus } from '../../tiers/l4/agreement/index.js';

export interface VipStatus {
  readonly vip: string;
  readonly announce: 'yes' | 'graceful-shutdown' | 'no' | 'n/a';
  readonly reason: string;
  /** Routers: the next hops of the VIP's route as BIRD exports it to the kernel (one per L4 node in the ECMP set). */
  readonly nextHops?: readonly string[];
}

/** A BGP session of a router, reflector or L4 speaker, as its daemon reports it. */
export interface SessionStatus {
  readonly peer: string;
  readonly address: string;
  readonly family: string;
  /** The BGP state, lower case: established, active, connect, idle, ...; `down` for a disabled session. */
  readonly state: string;
  readonly info?: string;
}

export interface RealServerStatus {
  readonly name: string;
  readonly address: string;
  readonly health: string;
  readonly desiredWeight: number | null;
  readonly kernelWeight: number | null;
  readonly activeConns: number | null;
  readonly inactiveConns: number | null;
}

export interface ServiceStatus {
  readonly name: string;
  readonly vips: readonly VipStatus[];
  readonly realServers: readonly RealServerStatus[];
  /** Digest of the desired Maglev order and weights; equal on every L4 node that agrees. */
  readonly digest?: string;
  /** L4 nodes: the Maglev tables the kernel holds now, so peers can compare theirs (`tierlb status --peers`). */
  readonly maglev?: MaglevServiceStatus;
  readonly drift?: readonly string[];
}

export interface StatusReport {
  readonly node: string;
  readonly role: string;
  readonly site: string;
  readonly maintenance: readonly { readonly file: string; readonly state: string; readonly reason?: string }[];
  readonly lastTurn?: { readonly outcome: string; readonly at: string; readonly reasons: readonly string[] };
  readonly daemons: readonly { readonly name: string; readonly pid: number | null; readonly restarts: number }[];
  readonly services: readonly ServiceStatus[];
  readonly sessions?: readonly SessionStatus[];
  /** Role facts worth a line of their own (the L4 node: which IPVS port and why, the last drift check). */
  readonly notes?: readonly string[];
}
