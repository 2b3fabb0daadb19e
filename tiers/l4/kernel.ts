// The kernel's IPVS table as read back, and the parser of `ipvsadm -Ln
// --nosort`, which is the one listing that keeps the kernel's destination
// order (newest first) and carries the connection counters. Pure.
//
// Firewall-mark services (`FWM  1 mh`) are not part of the model (tierlb
// renders address services only, and the netlink port skips them too): their
// header ends the service before it, and their destinations are dropped
// rather than read as the previous service's.
import type { ServiceProtocol } from './service-key.js';

import type { IpvsState } from './model.js';

export interface KernelDestination {
  readonly address: string;
  readonly port: number;
  readonly forwarding: 'tunnel' | 'route' | 'masq' | 'other';
  readonly weight: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
}

export interface KernelService {
  readonly protocol: ServiceProtocol;
  readonly vip: string;
  readonly port: number;
  readonly scheduler: string;
  readonly flags: readonly string[];
  /** Oldest first: the order they were added in (the kernel lists newest first). */
  readonly destinations: readonly KernelDestination[];
}

const SERVICE_RE = /^(TCP|UDP|SCTP)\s+(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)\s+(\S+)(?:\s+\(([^)]*)\))?/;
const FWM_RE = /^FWM\s+\d+/;
const DEST_RE = /^\s+->\s+(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)/;
const FORWARDING: Record<string, KernelDestination['forwarding']> = { Tunnel: 'tunnel', Route: 'route', Masq: 'masq' };

export function parseIpvsList(text: string): KernelService[] {
  const services: { head: Omit<KernelService, 'destinations'>; newestFirst: KernelDestination[] }[] = [];
  /** The service the destination lines belong to; undefined under a firewall-mark service. */
  let current: (typeof services)[number] | undefined;
  for (const line of text.split('\n')) {
    if (FWM_RE.test(line)) {
      current = undefined;
      continue;
    }
    const s = SERVICE_RE.exec(line);
    if (s) {
      current = {
        head: {
          protocol: (s[1] ?? 'TCP').toLowerCase() as KernelService['protocol'],
          vip: unbracket(s[2] ?? ''), port: Number(s[3]), scheduler: s[4] ?? '',
          flags: (s[5] ?? '').split(',').map((f) => f.trim()).filter((f) => f !== ''),
        },
        newestFirst: [],
      };
      services.push(current);
      continue;
    }
    const d = DEST_RE.exec(line);
    if (d && current) {
      current.newestFirst.push({
        address: unbracket(d[1] ?? ''), port: Number(d[2]), forwarding: FORWARDING[d[3] ?? ''] ?? 'other',
        weight: Number(d[4]), activeConns: Number(d[5]), inactiveConns: Number(d[6]),
      });
    }
  }
  return services.map((s) => ({ ...s.head, destinations: [...s.newestFirst].reverse() }));
}

const unbracket = (host: string): string => host.replace(/^\[|\]$/g, '');

/** `host:port` for addresses read from the kernel (IPv6 in brackets, as ipvsadm prints). */
export function kernelEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The table as the kernel lists it once it holds `state` exactly: what an
 * applier that trusts the kernel's acknowledgements diffs a change against,
 * without reading the table back.
 */
export function kernelViewOf(state: IpvsState): KernelService[] {
  return state.services.map((s) => ({
    protocol: s.protocol, vip: s.vip, port: s.port, scheduler: s.scheduler, flags: [...s.flags],
    destinations: s.destinations.map((d) => ({ address: d.address, port: d.port, forwarding: d.forwarding, weight: d.weight, activeConns: 0, inactiveConns: 0 })),
  }));
}
