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

/** What `apply` did when every operation was accepted. */
export interface ApplyOutcome {
  readonly done: number;
}

const PROTOCOLS: Readonly<Record<IpvsProtocol, number>> = { tcp: 6, udp: 17, sctp: 132 };
const FORWARDING: readonly IpvsForwarding[] = ['masq', 'local', 'tunnel', 'route', 'bypass'];
const TUN_TYPES: readonly IpvsTunnelType[] = ['ipip', 'gue', 'gre'];
const FWD_MASK = 0x7;
const SVC_F_HASHED = 0x0002;

// Tables and operations cross into the addon as columns (see native/src/addon.cc).
const SVC_STRIDE = 18;
const DEST_STRIDE = 22;
const OP_STRIDE = 16;
const OP_STRINGS = 3;
const OP_KINDS: readonly NetlinkOp['kind'][] = ['add-service', 'edit-service', 'delete-service', 'add-destination', 'edit-destination', 'delete-destination'];

/**
 * The table as the addon hands it over: per service SVC_STRIDE numbers
 * (family, protocol, port, fwmark, flags, timeout, netmask, destination
 * count, 10 stats) and 3 strings (address, scheduler, pe); per destination,
 * in kernel order, DEST_STRIDE numbers (family, port, connFlags, weight,
 * upper, lower, active, inactive, persistent, tunType, tunPort, tunFlags,
 * 10 stats) and its address. Reading a big table without building an object
 * per counter is much cheaper (a 1,000 × 50 table: about a third).
 */
export interface NetlinkColumns { readonly svc: Float64Array; readonly svcStr: readonly string[]; readonly dest: Float64Array; readonly destAddr: readonly string[] }
type RawTable = NetlinkColumns;
export const COLUMNS = { SVC_STRIDE: 18, DEST_STRIDE: 22 } as const;
interface RawResult { table?: RawTable; done?: number; failures?: { index: number; errno: number }[]; error?: { errno: number; what: string } }
interface RawHandle {
  list(): Promise<RawResult>;
  apply(nums: Float64Array, strs: string[]): Promise<RawResult>;
  applyAll(nums: Float64Array, strs: string[]): Promise<RawResult>;
  applyAllSync(nums: Float64Array, strs: string[]): RawResult;
}

/** Up to this many operations run on the JS thread: cheaper than a worker's two thread hand-offs, and well under a millisecond of kernel work. */
const SYNC_MAX_OPS = 8;
interface RawAddon {
  Ipvs: new () => RawHandle;
  // Absent from a build that predates them.
  markedTcpSocket?: (family: 4 | 6, mark: number) => number;
  socketMark?: (fd: number) => number;
  sdNotify?: (socket: string, text: string) => void;
  syncDaemons?: () => RawSyncDaemon[];
  startSyncDaemon?: (spec: RawSyncDaemon) => void;
  stopSyncDaemon?: (state: 'master' | 'backup') => void;
}

/** A sync daemon as the addon takes and gives it (native/src/sync-daemon.cc); older kernels report no group, port, ttl or maxlen. */
export interface RawSyncDaemon {
  readonly state: 'master' | 'backup';
  readonly interface: string;
  readonly syncId: number;
  readonly group?: string;
  readonly port?: number;
  readonly ttl?: number;
  readonly maxlen?: number;
}

type AddonFunctionName = 'markedTcpSocket' | 'socketMark' | 'sdNotify' | 'syncDaemons' | 'startSyncDaemon' | 'stopSyncDaemon';

const ADDON_FILE = 'ipvs_netlink.node';
// From the sources (agent/drivers/ipvs/) and from the build (dist/agent/drivers/ipvs/).
const CANDIDATES = ['../../../native/build/Release/', '../../../../native/build/Release/'].map((dir) => fileURLToPath(new URL(dir + ADDON_FILE, import.meta.url)));

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

/** One of the functions a newer build added, or why it cannot be called. */
export function addonFunction<K extends AddonFunctionName>(name: K): { readonly fn: NonNullable<RawAddon[K]> } | { readonly why: string } {
  const l = load();
  if (!('addon' in l)) return { why: l.reason };
  const fn = l.addon[name];
  return fn ? { fn } : { why: `native addon has no ${name}: rebuild it with npm run build:native` };
}

/** Whether `markedTcpSocket` can be called here, and why not. */
export function markedSocketsAvailable(): { readonly ok: true } | { readonly ok: false; readonly why: string } {
  const f = addonFunction('markedTcpSocket');
  return 'fn' in f ? { ok: true } : { ok: false, why: f.why };
}

/**
 * A new non-blocking TCP socket of the family whose packets carry the
 * firewall mark (SO_MARK, which Node.js cannot set), unbound and
 * unconnected; the caller owns the fd. The error names the failed step:
 * `setsockopt SO_MARK: Operation not permitted`.
 */
export function markedTcpSocket(family: 4 | 6, mark: number): { readonly fd: number } | { readonly error: string } {
  const f = addonFunction('markedTcpSocket');
  if (!('fn' in f)) return { error: f.why };
  try {
    return { fd: f.fn(family, mark) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The firewall mark of a socket (getsockopt SO_MARK): how tests see that the mark was set. */
export function socketMark(fd: number): { readonly mark: number } | { readonly error: string } {
  const f = addonFunction('socketMark');
  if (!('fn' in f)) return { error: f.why };
  try {
    return { mark: f.fn(fd) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * The addon's sender of service-manager notifications: one unix datagram to
 * a socket path or `@abstract` name, which Node.js cannot send. Absent, it
 * says why (agent/drivers/systemd falls back to systemd-notify).
 */
export function sdNotifySender(): { readonly send: (socket: string, text: string) => void } | { readonly why: string } {
  const f = addonFunction('sdNotify');
  return 'fn' in f ? { send: f.fn } : { why: f.why };
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
  async list(): Promise<NetlinkService[]> {
    return tableOf(await this.listColumns());
  }

  /** The same table as columns (see NetlinkColumns), for readers that need a few fields of many destinations. */
  listColumns(): Promise<NetlinkColumns> {
    return this.serial(async () => {
      const r = await this.raw.list();
      if (r.error) {
        const { errno, what } = r.error;
        throw new IpvsNetlinkError(`IPVS ${what}: ${errnoName(errno)} (${errno})`, errno, errnoName(errno), 'list', 'IPVS table');
      }
      return r.table ?? { svc: new Float64Array(0), svcStr: [], dest: new Float64Array(0), destAddr: [] };
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
      const r = await this.raw.apply(...encodeOps(ops));
      const done = r.done ?? 0;
      if (r.error) throw r.error.what === 'kernel' ? opError(ops, done, r.error.errno) : socketError(r.error);
      return { done };
    });
  }

  /**
   * Runs every operation in order, packed many to a netlink datagram (a few
   * system calls for thousands of operations). A refused operation does not
   * stop the ones after it, as with `ipvsadm -R`; each refusal comes back,
   * in order. Throws only when the socket itself fails.
   */
  applyAll(ops: readonly NetlinkOp[]): Promise<{ readonly failures: readonly IpvsNetlinkError[] }> {
    return this.serial(async () => {
      if (ops.length === 0) return { failures: [] };
      const r = ops.length <= SYNC_MAX_OPS ? this.raw.applyAllSync(...encodeOps(ops)) : await this.raw.applyAll(...encodeOps(ops));
      if (r.error) throw socketError(r.error);
      return { failures: (r.failures ?? []).map((f) => opError(ops, f.index, f.errno)) };
    });
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.queue.then(f, f);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function opError(ops: readonly NetlinkOp[], index: number, errno: number): IpvsNetlinkError {
  const op = ops[index];
  const name = errnoName(errno);
  const d = op ? describeOp(op) : { text: 'unknown operation', target: '' };
  return new IpvsNetlinkError(`IPVS ${d.text}: ${name} (${errno})`, errno, name, op?.kind ?? 'unknown', d.target, index);
}

function socketError(e: { errno: number; what: string }): IpvsNetlinkError {
  return new IpvsNetlinkError(`IPVS netlink socket: ${e.what}: ${errnoName(e.errno)} (${e.errno})`, e.errno, errnoName(e.errno), 'apply', 'netlink socket');
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

/** Operations as the addon's columns: OP_STRIDE numbers and OP_STRINGS strings each. */
function encodeOps(ops: readonly NetlinkOp[]): [Float64Array, string[]] {
  const nums = new Float64Array(ops.length * OP_STRIDE);
  const strs: string[] = new Array<string>(ops.length * OP_STRINGS);
  ops.forEach((op, i) => {
    const o = i * OP_STRIDE;
    const k = op.service;
    nums[o] = OP_KINDS.indexOf(op.kind);
    if ('fwmark' in k) {
      nums[o + 1] = k.family;
      nums[o + 4] = k.fwmark;
      strs[i * OP_STRINGS] = '';
    } else {
      nums[o + 2] = PROTOCOLS[k.protocol];
      nums[o + 3] = k.port;
      strs[i * OP_STRINGS] = k.address;
    }
    strs[i * OP_STRINGS + 1] = '';
    strs[i * OP_STRINGS + 2] = '';
    nums[o + 7] = -1; // the family's default persistence netmask
    if (op.kind === 'add-service' || op.kind === 'edit-service') {
      strs[i * OP_STRINGS + 1] = op.service.scheduler;
      nums[o + 5] = op.service.flags;
      nums[o + 6] = op.service.timeout ?? 0;
    }
    if (op.kind === 'add-destination' || op.kind === 'edit-destination' || op.kind === 'delete-destination') {
      strs[i * OP_STRINGS + 2] = op.destination.address;
      nums[o + 8] = op.destination.port;
    }
    if (op.kind === 'add-destination' || op.kind === 'edit-destination') {
      const d = op.destination;
      nums[o + 9] = FORWARDING.indexOf(d.forwarding);
      nums[o + 10] = d.weight;
      nums[o + 11] = d.upperThreshold ?? 0;
      nums[o + 12] = d.lowerThreshold ?? 0;
      nums[o + 13] = TUN_TYPES.indexOf(d.tunType ?? 'ipip');
    }
  });
  return [nums, strs];
}

const PROTOCOL_NAMES = new Map<number, IpvsProtocol>(Object.entries(PROTOCOLS).map(([name, n]) => [n, name as IpvsProtocol]));

function statsAt(a: Float64Array, o: number): IpvsStats {
  return {
    conns: a[o] ?? 0, inPackets: a[o + 1] ?? 0, outPackets: a[o + 2] ?? 0, inBytes: a[o + 3] ?? 0, outBytes: a[o + 4] ?? 0,
    cps: a[o + 5] ?? 0, inPps: a[o + 6] ?? 0, outPps: a[o + 7] ?? 0, inBps: a[o + 8] ?? 0, outBps: a[o + 9] ?? 0,
  };
}

const family = (n: number | undefined): 4 | 6 => (n === 6 ? 6 : 4);

/** The addon's columns back into services with their destinations (kernel order). */
function tableOf(t: RawTable): NetlinkService[] {
  const out: NetlinkService[] = [];
  let di = 0;
  for (let si = 0; si * SVC_STRIDE < t.svc.length; si++) {
    const s = si * SVC_STRIDE;
    const n = t.svc[s + 7] ?? 0;
    const destinations: NetlinkDestination[] = [];
    for (let j = 0; j < n; j++, di++) {
      const d = di * DEST_STRIDE;
      const tun = t.dest[d + 9] ?? 0;
      destinations.push({
        family: family(t.dest[d]), address: t.destAddr[di] ?? '', port: t.dest[d + 1] ?? 0,
        forwarding: FORWARDING[(t.dest[d + 2] ?? 0) & FWD_MASK] ?? 'bypass', weight: t.dest[d + 3] ?? 0,
        upperThreshold: t.dest[d + 4] ?? 0, lowerThreshold: t.dest[d + 5] ?? 0,
        activeConns: t.dest[d + 6] ?? 0, inactiveConns: t.dest[d + 7] ?? 0, persistentConns: t.dest[d + 8] ?? 0,
        tunType: TUN_TYPES[tun] ?? tun, tunPort: t.dest[d + 10] ?? 0, tunFlags: t.dest[d + 11] ?? 0,
        stats: statsAt(t.dest, d + 12),
      });
    }
    const fwmark = t.svc[s + 3] ?? 0;
    const protocol = t.svc[s + 1] ?? 0;
    out.push({
      family: family(t.svc[s]), protocol: fwmark !== 0 ? undefined : PROTOCOL_NAMES.get(protocol) ?? protocol,
      address: t.svcStr[si * 3] ?? '', port: t.svc[s + 2] ?? 0, fwmark,
      scheduler: t.svcStr[si * 3 + 1] ?? '', pe: t.svcStr[si * 3 + 2] ?? '',
      // IP_VS_SVC_F_HASHED is the kernel's own bookkeeping, not a setting.
      flags: (t.svc[s + 4] ?? 0) & ~SVC_F_HASHED, timeout: t.svc[s + 5] ?? 0, netmask: t.svc[s + 6] ?? 0,
      stats: statsAt(t.svc, s + 8), destinations,
    });
  }
  return out;
}
