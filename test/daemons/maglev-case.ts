// The services, real servers and clients that maglev-uml.test.ts gives the
// kernel and the model alike: the guest (maglev-guest.ts) builds them with
// ipvsadm and sends the SYNs, the host test computes what the model says.
import type { Family, IpAddress, MhFlag } from '../../site/index.js';

export interface CaseRealServer {
  readonly address: string;
  /** The weight it is added with. */
  readonly weight: number;
  /** Set after every real server is in: a drain keeps the last weight, and so the slots. */
  readonly drainedTo?: number;
}

export interface CaseService {
  readonly family: Family;
  readonly vip: string;
  readonly port: number;
  readonly flags: readonly MhFlag[];
  /** In the order they are added. */
  readonly realServers: readonly CaseRealServer[];
}

export interface CaseClient {
  readonly address: IpAddress;
  readonly port: number;
}

/** What the kernel chose for one client of one service, from `ipvsadm -Lnc`; absent when it made no connection. */
export interface KernelChoice {
  readonly client: string;
  readonly port: number;
  readonly realServer?: string;
}

export const CLIENTS_PER_SERVICE = 1000;

/**
 * Mixed weights whose gcd is 100 and whose largest is 64 times it, so the
 * kernel shifts them down by one bit; one real server added at weight 0
 * (no slots), one drained to 0 after it got its slots (fallback territory).
 */
function realServers(prefix: string): CaseRealServer[] {
  return [
    { address: `${prefix}31`, weight: 100 },
    { address: `${prefix}32`, weight: 300 },
    { address: `${prefix}33`, weight: 0 },
    { address: `${prefix}34`, weight: 1600, drainedTo: 0 },
    { address: `${prefix}35`, weight: 6400 },
  ];
}

export const SERVICES: readonly CaseService[] = [
  { family: 'ipv4', vip: '198.51.100.10', port: 80, flags: [], realServers: realServers('10.0.1.') },
  { family: 'ipv4', vip: '198.51.100.11', port: 443, flags: ['mh-fallback', 'mh-port'], realServers: realServers('10.0.1.') },
  { family: 'ipv6', vip: '2001:db8::10', port: 80, flags: [], realServers: realServers('fd00::') },
  { family: 'ipv6', vip: '2001:db8::11', port: 443, flags: ['mh-fallback', 'mh-port'], realServers: realServers('fd00::') },
];

/** Distinct addresses, and source ports spread over the range, the same for every service of a family. */
export function clientsOf(family: Family): CaseClient[] {
  return Array.from({ length: CLIENTS_PER_SERVICE }, (_, i) => ({
    address: (family === 'ipv4' ? `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}` : `2001:db8:9::${(i + 1).toString(16)}`) as IpAddress,
    port: 1024 + ((i * 48271) % 64000),
  }));
}
