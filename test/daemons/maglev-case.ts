// The services, real servers and clients that maglev-uml.test.ts gives the
// kernel and the model alike: the guest (maglev-guest.ts) makes the changes
// of each round with ipvsadm and sends the SYNs, the host test folds the
// same changes into the model's input and computes its choices.
import type { Family, IpAddress, MhFlag } from '../../site/index.js';
import type { MaglevRealServer } from '../../tiers/l4/maglev/index.js';

/** One ipvsadm change to a service's real servers. */
export type CaseChange =
  | { readonly op: 'add'; readonly address: string; readonly weight: number }
  | { readonly op: 'edit'; readonly address: string; readonly weight: number }
  | { readonly op: 'delete'; readonly address: string };

export interface CaseService {
  readonly family: Family;
  readonly vip: string;
  readonly port: number;
  readonly flags: readonly MhFlag[];
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

export interface RoundResult {
  readonly round: number;
  readonly vip: string;
  readonly port: number;
  readonly choices: KernelChoice[];
}

export const CLIENTS_PER_SERVICE = 1000;

export const SERVICES: readonly CaseService[] = [
  { family: 'ipv4', vip: '198.51.100.10', port: 80, flags: [] },
  { family: 'ipv4', vip: '198.51.100.11', port: 443, flags: ['mh-fallback', 'mh-port'] },
  { family: 'ipv6', vip: '2001:db8::10', port: 80, flags: [] },
  { family: 'ipv6', vip: '2001:db8::11', port: 443, flags: ['mh-fallback', 'mh-port'] },
];

/**
 * Round 0: mixed weights whose gcd is 100 and whose largest is 64 times it
 * (the kernel shifts them down one bit); .33 added at weight 0 (no slots);
 * .34 drained to 0 after it got its slots (fallback territory).
 * Round 1: .31 deleted and added again (now the newest), .34 back at 800,
 * .35 lowered: the list order and the last weights change.
 */
export function changesOf(s: CaseService, round: number): CaseChange[] {
  const a = (n: number): string => (s.family === 'ipv4' ? `10.0.1.${n}` : `fd00::${n}`);
  if (round === 0) {
    return [
      { op: 'add', address: a(31), weight: 100 },
      { op: 'add', address: a(32), weight: 300 },
      { op: 'add', address: a(33), weight: 0 },
      { op: 'add', address: a(34), weight: 1600 },
      { op: 'add', address: a(35), weight: 6400 },
      { op: 'edit', address: a(34), weight: 0 },
    ];
  }
  return [
    { op: 'delete', address: a(31) },
    { op: 'add', address: a(31), weight: 200 },
    { op: 'edit', address: a(34), weight: 800 },
    { op: 'edit', address: a(35), weight: 3200 },
  ];
}

export const ROUNDS = 2;

/**
 * The real servers after `changes`, oldest first, as the kernel keeps them:
 * an add goes to the end (the kernel's head), an edit to 0 keeps the last
 * non-zero weight.
 */
export function realServersAfter(s: CaseService, changes: readonly CaseChange[]): MaglevRealServer[] {
  let list: MaglevRealServer[] = [];
  for (const c of changes) {
    const address = c.address as IpAddress;
    if (c.op === 'add') list = [...list.filter((r) => r.address !== address), { address, port: s.port, weight: c.weight, lastWeight: c.weight }];
    if (c.op === 'delete') list = list.filter((r) => r.address !== address);
    if (c.op === 'edit') list = list.map((r) => (r.address === address ? { ...r, weight: c.weight, lastWeight: c.weight !== 0 ? c.weight : r.lastWeight } : r));
  }
  return list;
}

/** Distinct addresses and source ports spread over the range; each round its own ports, so each SYN is a new connection. */
export function clientsOf(family: Family, round: number): CaseClient[] {
  return Array.from({ length: CLIENTS_PER_SERVICE }, (_, i) => ({
    address: (family === 'ipv4' ? `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}` : `2001:db8:9::${(i + 1).toString(16)}`) as IpAddress,
    port: 1024 + ((i * 48271) % 64000) + round,
  }));
}
