// Typed face of the native IPVS generic-netlink addon (native/): loads the
// built .node when there is one, says why not when there is none, converts
// names to the kernel's numbers and back, and turns kernel failures into
// errors that name the errno, the operation and the object.
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';
export type IpvsForwarding = 'masq' | 'local' | 'tunnel' | 'route' | 'bypass';
export type IpvsTunnelType = 'ipip' | 'gue' | 'gre';

export interface IpvsStats {
  readonly conns: number;
  readonly inPackets: number;
  readonly outPackets: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly cps: number;
  readonly inPps: number;
  readonly outPps: number;
  readonly inBps: number;
  readonly outBps: number;
}

/** Which service: protocol, address and port, or a firewall mark. */
export type NetlinkServiceKey =
  | { readonly protocol: IpvsProtocol; readonly address: string; readonly port: number }
  | { readonly fwmark: number; readonly family: 4 | 6 };

export type NetlinkServiceSpec = NetlinkServiceKey & {
  readonly scheduler: string;
  /** IP_VS_SVC_F_* bits: persistent 0x1, one-packet 0x4, scheduler flags 0x8/0x10/0x20 (mh-fallback, mh-port). */
  readonly flags: number;
  /** Persistence timeout in seconds (with the persistent flag). */
  readonly timeout?: number;
};

export interface NetlinkDestinationSpec {
  readonly address: string;
  readonly port: number;
  readonly forwarding: IpvsForwarding;
  readonly weight: number;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
  /** With forwarding 'tunnel'; the kernel's default is ipip (ip6ip6 for IPv6 destinations). */
  readonly tunType?: IpvsTunnelType;
}

export type NetlinkOp =
  | { readonly kind: 'add-service' | 'edit-service'; readonly service: NetlinkServiceSpec }
  | { readonly kind: 'delete-service'; readonly service: NetlinkServiceKey }
  | { readonly kind: 'add-destination' | 'edit-destination'; readonly service: NetlinkServiceKey; readonly destination: NetlinkDestinationSpec }
  | { readonly kind: 'delete-destination'; readonly service: NetlinkServiceKey; readonly destination: { readonly address: string; readonly port: number } };

export interface NetlinkDestination {
  readonly family: 4 | 6;
  readonly address: string;
  readonly port: number;
  readonly forwarding: IpvsForwarding;
  readonly weight: number;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  readonly tunType: IpvsTunnelType | number;
  readonly tunPort: number;
  readonly tunFlags: number;
  readonly stats: IpvsStats;
}

export interface NetlinkService {
  readonly family: 4 | 6;
  /** undefined for a firewall-mark service. */
  readonly protocol: IpvsProtocol | number | undefined;
  /** '' for a firewall-mark service. */
  readonly address: string;
  readonly port: number;
  /** 0 unless a firewall-mark service. */
  readonly fwmark: number;
  readonly scheduler: string;
  readonly flags: number;
  readonly timeout: number;
  readonly netmask: number;
  readonly pe: string;
  readonly stats: IpvsStats;
  /** In the kernel's order: newest first, as `ipvsadm -Ln --nosort` prints them. */
  readonly destinations: readonly NetlinkDestination[];
}

/** A change the kernel refused: `IPVS add destination 10.0.1.31:80 to tcp 198.51.100.1:80: EEXIST (17)`. */
export class IpvsNetlinkError extends Error {
  constructor(
    message: string,
    readonly errno: number,
    readonly code: string,
    /** The operation kind, e.g. 'add-destination', or 'list'. */
    readonly op: string,
    /** The object concerned: the destination and its service, or the service. */
    readonly target: string,
    /** Index of the failed operation in the batch (apply only). */
    readonly index?: number,
  ) {
    super(message);
    this.name = 'IpvsNetlinkError';
  }
}

/** Raised by `apply` after the first refused operation: the ones before it were applied. */
export interface ApplyOutcome {
  readonly done: number;
}

const PROTOCOLS: Readonly<Record<IpvsProtocol, number>> = { tcp: 6, udp: 17, sctp: 132 };
const FORWARDING: readonly IpvsForwarding[] = ['masq', 'local', 'tunnel', 'route', 'bypass'];
const TUN_TYPES: readonly IpvsTunnelType[] = ['ipip', 'gue', 'gre'];
const FWD_MASK = 0x7;
const SVC_F_HASHED = 0x0002;

interface RawResult { services?: unknown[]; done?: number; error?: { errno: number; what: string } }
interface RawHandle { list(): Promise<RawResult>; apply(ops: unknown[]): Promise<RawResult> }
interface RawAddon { Ipvs: new () => RawHandle }

const ADDON_FILE = 'ipvs_netlink.node';
// From the sources (tiers/l4/) and from the build (dist/tiers/l4/).
const CANDIDATES = ['../../native/build/Release/', '../../../native/build/Release/'].map((dir) => fileURLToPath(new URL(dir + ADDON_FILE, import.meta.url)));

let loaded: { addon: RawAddon } | { reason: string } | undefined;

function load(): { addon: RawAddon } | { reason: string } {
  if (loaded) return loaded;
  const file = CANDIDATES.find((f) => existsSync(f));
  if (!file) {
    loaded = { reason: `native addon not built: run npm run build:native (looked for ${CANDIDATES.join(', ')})` };
    return loaded;
  }
  try {
    loaded = { addon: createRequire(import.meta.url)(file) as RawAddon };
  } catch (err) {
    loaded = { reason: `native addon ${file} failed to load: ${(err as Error).message}; rebuild it with npm run build:native` };
  }
  return loaded;
}

/** Whether the addon can be used here, and why not. Opening can still fail (no IPVS, no CAP_NET_ADMIN). */
export function netlinkAvailable(): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const l = load();
  return 'addon' in l ? { ok: true } : { ok: false, reason: l.reason };
}

/** One netlink socket; calls run one at a time, in call order, off the event loop. */
export class IpvsNetlink {
  private readonly raw: RawHandle;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(raw: RawHandle) {
    this.raw = raw;
  }

  /** Opens a socket and resolves the IPVS family; throws when the addon is absent or the kernel has no IPVS. */
  static open(): IpvsNetlink {
    const l = load();
    if (!('addon' in l)) throw new Error(l.reason);
    try {
      return new IpvsNetlink(new l.addon.Ipvs());
    } catch (err) {
      const e = err as Error & { errno?: number };
      const errno = e.errno ?? 0;
      throw new IpvsNetlinkError(`IPVS open: ${e.message}`, errno, errnoName(errno), 'open', 'IPVS');
    }
  }

  /** Every service with its destinations: one dump of the services, then one dump per service. */
  list(): Promise<NetlinkService[]> {
    return this.serial(async () => {
      const r = await this.raw.list();
      if (r.error) {
        const { errno, what } = r.error;
        throw new IpvsNetlinkError(`IPVS ${what}: ${errnoName(errno)} (${errno})`, errno, errnoName(errno), 'list', 'IPVS table');
      }
      return (r.services ?? []).map((s) => toService(s as RawService));
    });
  }

  /**
   * Runs the operations in order in one call; stops at the first one the
   * kernel refuses and throws an IpvsNetlinkError naming it (its `index`;
   * the operations before it stay applied).
   */
  apply(ops: readonly NetlinkOp[]): Promise<ApplyOutcome> {
    return this.serial(async () => {
      if (ops.length === 0) return { done: 0 };
      const r = await this.raw.apply(ops.map(toRawOp));
      const done = r.done ?? 0;
      if (r.error) {
        const op = ops[done];
        const { errno } = r.error;
        const name = errnoName(errno);
        const d = op ? describeOp(op) : { text: 'unknown operation', target: '' };
        throw new IpvsNetlinkError(`IPVS ${d.text}: ${name} (${errno})`, errno, name, op?.kind ?? 'unknown', d.target, done);
      }
      return { done };
    });
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.queue.then(f, f);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** `198.51.100.1:80`, `[2001:db8::1]:443`. */
function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function describeServiceKey(k: NetlinkServiceKey): string {
  return 'fwmark' in k ? `fwmark ${k.fwmark}${k.family === 6 ? ' (IPv6)' : ''}` : `${k.protocol} ${hostPort(k.address, k.port)}`;
}

function describeOp(op: NetlinkOp): { text: string; target: string } {
  const svc = describeServiceKey(op.service);
  switch (op.kind) {
    case 'add-service': return { text: `add service ${svc}`, target: svc };
    case 'edit-service': return { text: `edit service ${svc}`, target: svc };
    case 'delete-service': return { text: `delete service ${svc}`, target: svc };
    case 'add-destination': {
      const target = `${hostPort(op.destination.address, op.destination.port)} to ${svc}`;
      return { text: `add destination ${target}`, target };
    }
    case 'edit-destination': {
      const target = `${hostPort(op.destination.address, op.destination.port)} in ${svc}`;
      return { text: `edit destination ${target}`, target };
    }
    case 'delete-destination': {
      const target = `${hostPort(op.destination.address, op.destination.port)} from ${svc}`;
      return { text: `delete destination ${target}`, target };
    }
  }
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));
/** EEXIST for 17; ERRNO_n when Node knows no name. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `ERRNO_${errno}`;
}

function rawKey(k: NetlinkServiceKey): Record<string, unknown> {
  return 'fwmark' in k ? { fwmark: k.fwmark, family: k.family } : { protocol: PROTOCOLS[k.protocol], address: k.address, port: k.port };
}

function toRawOp(op: NetlinkOp): Record<string, unknown> {
  switch (op.kind) {
    case 'add-service':
    case 'edit-service':
      return { kind: op.kind, service: { ...rawKey(op.service), scheduler: op.service.scheduler, flags: op.service.flags, timeout: op.service.timeout ?? 0 } };
    case 'delete-service':
      return { kind: op.kind, service: rawKey(op.service) };
    case 'add-destination':
    case 'edit-destination': {
      const d = op.destination;
      return {
        kind: op.kind, service: rawKey(op.service),
        destination: {
          address: d.address, port: d.port, connFlags: FORWARDING.indexOf(d.forwarding), weight: d.weight,
          upperThreshold: d.upperThreshold ?? 0, lowerThreshold: d.lowerThreshold ?? 0, tunType: TUN_TYPES.indexOf(d.tunType ?? 'ipip'),
        },
      };
    }
    case 'delete-destination':
      return { kind: op.kind, service: rawKey(op.service), destination: { address: op.destination.address, port: op.destination.port } };
  }
}

interface RawDestination extends Omit<NetlinkDestination, 'forwarding' | 'tunType'> { connFlags: number; tunType: number }
interface RawService extends Omit<NetlinkService, 'protocol' | 'destinations'> { protocol: number; destinations: RawDestination[] }

const PROTOCOL_NAMES = new Map<number, IpvsProtocol>(Object.entries(PROTOCOLS).map(([name, n]) => [n, name as IpvsProtocol]));

function toService(s: RawService): NetlinkService {
  return {
    ...s,
    // IP_VS_SVC_F_HASHED is the kernel's own bookkeeping, not a setting.
    flags: s.flags & ~SVC_F_HASHED,
    protocol: s.fwmark !== 0 ? undefined : PROTOCOL_NAMES.get(s.protocol) ?? s.protocol,
    destinations: s.destinations.map(({ connFlags, tunType, ...d }) => ({
      ...d,
      forwarding: FORWARDING[connFlags & FWD_MASK] ?? 'bypass',
      tunType: TUN_TYPES[tunType] ?? tunType,
    })),
  };
}
