// The trusted model of a site: what every planner and renderer reads. Only
// parseSite() makes one; every string in it is a branded, validated value and
// every default is already applied.
import type { Asn, Community, DnsName, Family, FsPath, HttpPath, IpAddress, Ipv4, Ipv6, Port, Token } from './brand.js';
import type { Prefix } from './prefix.js';
import type { Duration } from './duration.js';
import type { EtcdEndpoint, EtcdPrefix } from './etcd.js';
import type { InterfaceName, MulticastGroup } from './connection-sync.js';
import type { ALPN_PROTOCOLS, BALANCES, DNS_POLICIES, MH_FLAGS, PROXY_PROTOCOLS, ROLES, SPEAKERS, TLS_VERSIONS } from './schema.js';

export type Role = (typeof ROLES)[number];
export type Speaker = (typeof SPEAKERS)[number];
export type MhFlag = (typeof MH_FLAGS)[number];
export type Balance = (typeof BALANCES)[number];
export type DnsPolicy = (typeof DNS_POLICIES)[number];
export type ProxyProtocol = (typeof PROXY_PROTOCOLS)[number];
export type TlsVersion = (typeof TLS_VERSIONS)[number];
export type AlpnProtocol = (typeof ALPN_PROTOCOLS)[number];

export interface ServiceTls {
  /** In file order: HAProxy presents the first to users whose SNI matches none. */
  readonly certificates: readonly FsPath[];
  readonly minVersion: TlsVersion;
  readonly alpn?: readonly AlpnProtocol[];
}

export interface Listen {
  readonly address: IpAddress;
  readonly port: Port;
}

export interface AgentSettings {
  readonly listen: Listen;
  readonly agentCheckPort: Port;
  readonly runDir: FsPath;
  readonly stateDir: FsPath;
  readonly configDir: FsPath;
  readonly disableFile: FsPath;
  readonly agentCheckFile: FsPath;
}

export interface NodeAddresses {
  readonly ipv4?: Ipv4;
  readonly ipv6?: Ipv6;
}

export interface SiteNode {
  readonly name: Token;
  readonly role: Role;
  readonly addresses: NodeAddresses;
  /** Only meaningful for router, reflector and l4 nodes. */
  readonly asn: Asn;
  readonly routerId?: Ipv4;
  /** This node's settings, site defaults overridden by the node's own. */
  readonly agent: AgentSettings;
  /** L4 nodes: the outer sources its tunnelled flows are spread over, per family. */
  readonly tunnelSources?: Readonly<Partial<Record<Family, Prefix>>>;
}

/** One BGP session, named once, `a` < `b` by name so the list is stable. */
export interface BgpSession {
  readonly a: Token;
  readonly b: Token;
}

export interface Bgp {
  readonly asn: Asn;
  readonly speaker: Speaker;
  readonly holdTime: Duration;
  readonly keepalive: Duration;
  readonly connectRetry: Duration;
  readonly drainTime: Duration;
  readonly bfd: { readonly enabled: boolean; readonly interval: Duration; readonly multiplier: number };
  readonly communities: { readonly gracefulShutdown: Community; readonly vip: readonly Community[] };
  readonly sessions: readonly BgpSession[];
}

export interface HealthCheck {
  readonly path: HttpPath;
  readonly expectStatus: number;
  readonly interval: Duration;
  readonly timeout: Duration;
  readonly rise: number;
  readonly fall: number;
}

export interface DnsAnswer {
  readonly name: DnsName;
  readonly ttl: number;
  readonly policy: DnsPolicy;
  /** The zone (from dns.zones) the name lives in. */
  readonly zone: DnsName;
}

export interface Service {
  readonly name: Token;
  readonly vips: readonly IpAddress[];
  readonly ports: readonly Port[];
  readonly protocol: 'tcp';
  readonly pool: Token;
  readonly l4: {
    readonly scheduler: 'mh';
    readonly flags: readonly MhFlag[];
    readonly forwarding: 'tunnel';
    readonly quorum: number;
    readonly depoolThreshold: number;
    /** 0: an L7 node back up gets its full weight at once. */
    readonly rampUp: Duration;
  };
  readonly l7: {
    readonly mode: 'http' | 'tcp';
    readonly balance: Balance;
    readonly check: HealthCheck;
    readonly timeouts: { readonly connect: Duration; readonly client: Duration; readonly server: Duration };
    /**
     * L7 nodes serving this service, in Maglev order: the order of the l7
     * nodes in the file. Every L4 node adds destinations in this order, so
     * all of them build the same table; new L7 nodes are appended.
     */
    readonly nodes: readonly Token[];
    readonly proxyProtocol: ProxyProtocol;
    /** 0: off. */
    readonly slowStart: Duration;
    readonly tls?: ServiceTls;
  };
  readonly dns: readonly DnsAnswer[];
}

export interface Server {
  readonly name: Token;
  readonly address: IpAddress;
  readonly port: Port;
  readonly weight: number;
  readonly node?: Token;
}

export interface Pool {
  readonly name: Token;
  readonly agentCheck: { readonly enabled: boolean; readonly port: Port; readonly interval: Duration };
  readonly servers: readonly Server[];
}

export interface ZoneRecord {
  readonly name: string;
  readonly type: 'A' | 'AAAA';
  readonly address: IpAddress;
  readonly ttl?: number;
}

export interface Zone {
  readonly name: DnsName;
  readonly ttl: number;
  readonly soa: {
    readonly mname: DnsName;
    readonly rname: DnsName;
    readonly serial: number;
    readonly refresh: number;
    readonly retry: number;
    readonly expire: number;
    readonly minimum: number;
  };
  readonly ns: readonly DnsName[];
  readonly records: readonly ZoneRecord[];
}

export interface Site {
  readonly name: Token;
  readonly agent: AgentSettings;
  readonly l7: { readonly monitorPort: Port; readonly monitorPath: HttpPath; readonly statsPort: Port; readonly underlayMtu: number; readonly mssClamp: { readonly enabled: boolean } };
  readonly l4: {
    readonly tunnelChecks: { readonly enabled: boolean; readonly timeout: Duration; readonly firstMark: number };
    readonly flowEntropy: { readonly enabled: boolean };
    readonly connectionSync: ConnectionSyncSettings;
  };
  readonly bgp: Bgp;
  readonly services: readonly Service[];
  readonly pools: readonly Pool[];
  /** In file order: the order of l7 nodes is their Maglev order. */
  readonly nodes: readonly SiteNode[];
  readonly dns: { readonly zones: readonly Zone[] };
  /** Fleet state in etcd; absent: the local maintenance files alone. */
  readonly etcd?: EtcdSettings;
}

export interface EtcdLimits {
  readonly maxL4Withdrawn: number;
  readonly maxL7DepooledShare: number;
  readonly depoolThreshold: number;
}

export interface EtcdSettings {
  readonly endpoints: readonly EtcdEndpoint[];
  /** Resolved: /tierlb/<site> when the file names none. */
  readonly prefix: EtcdPrefix;
  readonly dialTimeout: Duration;
  readonly tls?: { readonly ca: FsPath; readonly cert?: FsPath; readonly key?: FsPath };
  readonly auth?: { readonly user: Token; readonly passwordFile: FsPath };
  readonly limits: EtcdLimits;
}

/** The kernel's IPVS sync daemons on every L4 node (l4.connectionSync). */
export interface ConnectionSyncSettings {
  readonly enabled: boolean;
  /** Always given when enabled (a cross-check). */
  readonly interface?: InterfaceName;
  readonly group: MulticastGroup;
  readonly port: Port;
  readonly ttl: number;
  /** Absent: the kernel's default (1500 less the headers). */
  readonly maxlen?: number;
  readonly syncId: number;
}
