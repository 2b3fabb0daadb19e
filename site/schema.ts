// The shape of site.yaml. Field checks brand the values (see fields.ts);
// checks that relate fields to each other live in crosscheck.ts. Every field
// has a description: docs/site-reference.md is generated from them.
import { z } from 'zod';
import {
  asn, community, dnsName, duration, durationAbove0, etcdEndpoint, etcdPrefix, fsPath, hostIp, hostIpv4, hostIpv6, httpPath, interfaceName, intIn, ip, multicastGroup, port, prefix4, prefix6, routerId, runDir, token, vip,
} from './fields.js';

const obj = z.strictObject;

export const ROLES = ['router', 'reflector', 'l4', 'l7', 'backend', 'dns'] as const;
export const SPEAKERS = ['gobgp', 'bird'] as const;
export const MH_FLAGS = ['mh-port', 'mh-fallback'] as const;
export const BALANCES = ['roundrobin', 'leastconn', 'source', 'first', 'static-rr', 'uri'] as const;
export const DNS_POLICIES = ['multifo', 'first-up'] as const;
export const PROXY_PROTOCOLS = ['none', 'v2'] as const;
export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
export const ALPN_PROTOCOLS = ['h2', 'http/1.1'] as const;

const listen = obj({
  address: ip('address to listen on'),
  port: port('port to listen on'),
});

const agentSettings = obj({
  listen: listen.meta({ description: 'status and metrics endpoint of the agent (HTTP)' }).optional(),
  agentCheckPort: port('TCP port where a backend node serves HAProxy agent-check from its agent-check file; UDP port where an L4 node takes the L7 nodes\' recheck hints').optional(),
  runDir: runDir('folder for sockets and pid files').optional(),
  stateDir: fsPath('folder for state the daemons keep across restarts').optional(),
  configDir: fsPath('folder where rendered daemon configs are installed').optional(),
  disableFile: fsPath('maintenance file; its presence withdraws an L4 node').optional(),
  agentCheckFile: fsPath('maintenance file read as up/drain/down/maint/weight').optional(),
});

const nodeSchema = obj({
  name: token('node name'),
  role: z.enum(ROLES).meta({ description: 'what the node does; decides which daemons its agent runs' }),
  addresses: obj({
    ipv4: hostIpv4('the node\'s IPv4 address (BGP, tunnels, health checks)').optional(),
    ipv6: hostIpv6('the node\'s IPv6 address').optional(),
  }).meta({ description: 'at least one of ipv4, ipv6' }),
  asn: asn('AS number of this node; default bgp.asn').optional(),
  routerId: routerId('BGP router ID; default the node\'s IPv4 address').optional(),
  peers: z.array(token('node name')).optional()
    .meta({ description: 'BGP sessions from this node (router, reflector or l4) to these nodes; sessions are symmetric, list each once on either side' }),
  agent: agentSettings.optional().meta({ description: 'per-node overrides of the top-level agent settings' }),
  tunnelSources: obj({
    ipv4: prefix4('IPv4 outer sources of this node\'s IPIP packets: /24 to /32').optional(),
    ipv6: prefix6('IPv6 outer sources of this node\'s ip6ip6 packets: /120 to /128').optional(),
  }).optional().meta({ description: 'l4 nodes only: addresses the node holds and picks the outer source of each tunnelled flow from (a hash of the user\'s flow), so an L7 node spreads the flows over its receive queues; without them every packet from this node carries its own address (l4.flowEntropy)' }),
});

const bgpSchema = obj({
  asn: asn('default AS number of every BGP node'),
  speaker: z.enum(SPEAKERS).default('bird').meta({ description: 'BGP daemon on L4 nodes' }),
  // RFC 4271 also allows 0 (no hold timer), but gobgpd reads 0 as its
  // default of 90 s, and without a hold timer a dead L4 node keeps its routes.
  holdTime: duration('BGP hold time: whole seconds from 3s to 65535s (BGP carries it in 16 bits; 0, no hold timer, is refused)').prefault('3s'),
  keepalive: duration('BGP keepalive interval: whole seconds, at least 1s and at most a third of holdTime').prefault('1s'),
  connectRetry: duration('BGP connect retry interval: whole seconds, at least 1s').prefault('1s'),
  drainTime: duration('how long a withdrawing L4 node announces with the graceful-shutdown community before it withdraws').prefault('5s'),
  bfd: obj({
    // Detection takes interval x multiplier (300 ms by default); the 1 s promise for a frozen L4 node holds while that product stays well below 1 s (not refused: a slower link may need more).
    enabled: z.boolean().default(true).meta({ description: 'run BFD from every router to every L4 node (a BIRD speaker answers it, beside gobgp a BFD-only BIRD does), so a frozen L4 node leaves the routers\' multipath routes after interval x multiplier instead of the hold time; and on BGP sessions where both ends are BIRD (docs/bfd.md)' }),
    // BFD carries intervals as 32-bit microseconds (about 71 minutes); BIRD silently wraps a larger one.
    interval: durationAbove0('BFD transmit and receive interval, at most 1h').prefault('100ms'),
    multiplier: intIn(2, 255, 'missed BFD packets before the session is declared down').default(3),
  }).prefault({}).meta({ description: 'BFD between routers and L4 nodes, and on BGP sessions between BIRDs' }),
  communities: obj({
    gracefulShutdown: community('RFC 8326 graceful-shutdown community').prefault('65535:0'),
    vip: z.array(community('community')).prefault([]).meta({ description: 'communities added to every VIP announcement' }),
  }).prefault({}).meta({ description: 'BGP communities the L4 nodes attach' }),
});

const checkSchema = obj({
  path: httpPath('path of the HTTP health check').prefault('/'),
  expectStatus: intIn(100, 599, 'HTTP status a healthy server answers').default(200),
  interval: durationAbove0('time between checks').prefault('2s'),
  timeout: durationAbove0('time a check may take, at most interval').prefault('1s'),
  rise: intIn(1, 100, 'consecutive successes that mark a server up').default(2),
  fall: intIn(1, 100, 'consecutive failures that mark a server down').default(3),
});

// Slow start and the L4 ramp are off by default: a returning server or L7
// node takes its full share at once, as before these settings existed.
const tlsSchema = obj({
  certificates: z.array(fsPath('PEM file holding a certificate, its chain and its private key (HAProxy\'s crt)')).min(1).max(16)
    .meta({ description: 'certificates HAProxy presents, the first one to users that send no matching SNI; the agent reloads HAProxy when the content of one changes' }),
  minVersion: z.enum(TLS_VERSIONS).default('TLSv1.2').meta({ description: 'oldest TLS version accepted (HAProxy\'s ssl-min-ver)' }),
  alpn: z.array(z.enum(ALPN_PROTOCOLS)).min(1).optional()
    .meta({ description: 'mode http only: protocols offered through ALPN, in order of preference (h2 lets users speak HTTP/2 to HAProxy); default none, HTTP/1.1' }),
}).meta({ description: 'TLS termination on the service\'s frontend: HAProxy decrypts, the backend servers get plain text' });

const serviceSchema = obj({
  name: token('service name'),
  vips: z.array(vip('VIP')).min(1).meta({ description: 'virtual IPs, IPv4 and IPv6, announced by L4 nodes' }),
  ports: z.array(port('service port')).min(1).meta({ description: 'ports served on every VIP' }),
  protocol: z.enum(['tcp', 'udp']).default('tcp').meta({ description: 'transport protocol; HAProxy terminates tcp only' }),
  pool: token('name of the pool of backend servers'),
  l4: obj({
    scheduler: z.literal('mh').default('mh').meta({ description: 'IPVS scheduler; Maglev consistent hashing keeps flows on the same L7 node across L4 nodes' }),
    flags: z.array(z.enum(MH_FLAGS)).default(['mh-fallback']).meta({ description: 'mh scheduler flags: mh-port hashes the source port too; mh-fallback (required) sends a new flow whose node has weight 0 to the next one, which is how an L7 node drains' }),
    forwarding: z.literal('tunnel').default('tunnel').meta({ description: 'IPVS forwarding method' }),
    quorum: intIn(1, 1000, 'healthy L7 nodes needed to announce the VIPs').default(1),
    depoolThreshold: z.number().min(0).max(1).default(0.5).meta({ description: 'share of L7 nodes kept in the table even when checks fail' }),
    rampUp: duration('how long an L7 node that comes back up (or joins a running L4 node\'s table) takes to reach its full IPVS weight, in 4 equal steps from 25%; 0s: full weight at once. Each step changes the Maglev table, which moves some new flows (existing flows keep their node); 0s or 10s to 1h').prefault('0s'),
  }).prefault({}).meta({ description: 'the IPVS service on every L4 node' }),
  l7: obj({
    mode: z.enum(['http', 'tcp']).default('http').meta({ description: 'HAProxy mode' }),
    balance: z.enum(BALANCES).default('roundrobin').meta({ description: 'HAProxy balance algorithm' }),
    check: checkSchema.prefault({}).meta({ description: 'health check of the backend servers (HTTP in mode http, TCP connect in mode tcp)' }),
    timeouts: obj({
      connect: durationAbove0('timeout connect').prefault('5s'),
      client: durationAbove0('timeout client').prefault('60s'),
      server: durationAbove0('timeout server').prefault('60s'),
    }).prefault({}).meta({ description: 'HAProxy timeouts of the service' }),
    nodes: z.array(token('l7 node name')).optional().meta({ description: 'L7 nodes serving the service; default every l7 node' }),
    proxyProtocol: z.enum(PROXY_PROTOCOLS).default('none').meta({ description: 'v2: open every connection to a backend server, health checks included, with a PROXY protocol v2 header naming the user\'s address (HAProxy\'s send-proxy-v2); the servers must expect it. Agent-checks stay plain' }),
    slowStart: duration('how long a backend server that comes back up takes to reach its full HAProxy weight (HAProxy\'s slowstart, linear, updated at each health check); 0s: off. Needs balance roundrobin or leastconn; 0s or from twice the check interval to 1h').prefault('0s'),
    tls: tlsSchema.optional(),
  }).prefault({}).meta({ description: 'the HAProxy frontend and backend on every L7 node serving the service' }),
  dns: z.array(obj({
    name: dnsName('name that resolves to the VIPs'),
    ttl: intIn(1, 86400, 'TTL of the answers, seconds').default(30),
    policy: z.enum(DNS_POLICIES).default('multifo').meta({ description: 'multifo: every VIP that is up; first-up: the first VIP in list order that is up' }),
  })).prefault([]).meta({ description: 'DNS names gdnsd answers with the VIPs that are up' }),
});

const serverSchema = obj({
  name: token('server name'),
  address: hostIp('server address'),
  port: port('server port'),
  weight: intIn(0, 256, 'HAProxy weight').default(100),
  node: token('backend node that runs the agent for this server').optional(),
});

const poolSchema = obj({
  name: token('pool name'),
  agentCheck: obj({
    enabled: z.boolean().default(true).meta({ description: 'let each server\'s agent-check file steer HAProxy' }),
    port: port('agent-check port; default agent.agentCheckPort').optional(),
    // 500ms: HAProxy sees a file change at its next agent-check, so the
    // interval bounds the reaction; at 1s a drain could take just over the
    // 1 s the maintenance contract promises (interval plus the check itself).
    interval: durationAbove0('agent-check interval; HAProxy sees a change of the file within it').prefault('500ms'),
  }).prefault({}).meta({ description: 'HAProxy agent-check of the servers' }),
  servers: z.array(serverSchema).min(1).meta({ description: 'backend servers of the pool' }),
});

const zoneSchema = obj({
  name: dnsName('zone origin'),
  ttl: intIn(1, 604800, 'default TTL of the zone').default(300),
  soa: obj({
    mname: dnsName('primary name server'),
    rname: dnsName('mailbox of the responsible person, as a DNS name'),
    serial: intIn(1, 4294967295, 'zone serial').default(1),
    refresh: intIn(1, 2147483647, 'refresh, seconds').default(3600),
    retry: intIn(1, 2147483647, 'retry, seconds').default(600),
    expire: intIn(1, 2147483647, 'expire, seconds').default(604800),
    minimum: intIn(0, 86400, 'negative-caching TTL, seconds').default(60),
  }).meta({ description: 'start of authority of the zone' }),
  ns: z.array(dnsName('name server')).min(1).meta({ description: 'name servers of the zone (NS records)' }),
  records: z.array(obj({
    name: z.string().max(253).regex(/^(@|(\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/i, 'expected "@" or a relative DNS name (a wildcard "*" only as a whole first label)').meta({ description: 'owner name relative to the zone, or @' }),
    type: z.enum(['A', 'AAAA']).meta({ description: 'record type' }),
    address: ip('record address'),
    ttl: intIn(1, 604800, 'TTL, seconds').optional(),
  })).prefault([]).meta({ description: 'static A/AAAA records (name servers, hosts)' }),
});

const share = (description: string) => z.number().min(0).max(1).meta({ description });

const etcdSchema = obj({
  endpoints: z.array(etcdEndpoint('client URL of an etcd member')).min(1).meta({ description: 'the etcd cluster\'s client URLs (http://HOST:PORT, or https:// with tls)' }),
  prefix: etcdPrefix('key prefix of this site\'s fleet state; default /tierlb/<site>').optional(),
  dialTimeout: durationAbove0('how long a connection to etcd may take before the member counts as unreachable').prefault('2s'),
  tls: obj({
    ca: fsPath('PEM file of the CA that signed the members\' certificates'),
    cert: fsPath('PEM client certificate, for etcd\'s --client-cert-auth').optional(),
    key: fsPath('PEM private key of the client certificate').optional(),
  }).optional().meta({ description: 'TLS to the members (https:// endpoints)' }),
  auth: obj({
    user: token('etcd user'),
    passwordFile: fsPath('file holding the user\'s password (first line); never the password itself in the site file'),
  }).optional().meta({ description: 'etcd\'s own authentication (etcdctl user add / role grant-permission on the prefix)' }),
  limits: obj({
    maxL4Withdrawn: intIn(0, 1000, 'at most this many L4 nodes depooled or drained through etcd at once').default(1),
    maxL7DepooledShare: share('at most this share of each service\'s L7 nodes depooled or drained at once').default(0.5),
    depoolThreshold: share('at least this share of each pool\'s servers stays pooled (PyBal\'s depool-threshold)').default(0.5),
  }).prefault({}).meta({ description: 'site-wide safety limits, checked in the same etcd transaction as the change; --force overrides one and records it' }),
});

export const siteSchema = obj({
  site: token('site name'),
  agent: obj({
    listen: listen.prefault({ address: '127.0.0.1', port: 9400 }).meta({ description: 'status and metrics endpoint of the agent (HTTP)' }),
    agentCheckPort: port('TCP port where a backend node serves HAProxy agent-check; UDP port where an L4 node takes the L7 nodes\' recheck hints').prefault(9300),
    runDir: runDir('folder for sockets and pid files').prefault('/run/tierlb'),
    stateDir: fsPath('folder for daemon state').prefault('/var/lib/tierlb'),
    configDir: fsPath('folder where rendered daemon configs are installed').prefault('/etc/tierlb'),
    disableFile: fsPath('maintenance file; its presence withdraws an L4 node').prefault('/etc/lb/disable'),
    agentCheckFile: fsPath('maintenance file read as up/drain/down/maint/weight').prefault('/etc/lb/agent-check'),
  }).prefault({}).meta({ description: 'settings of the agent on every node; a node\'s own agent key overrides them' }),
  l7: obj({
    monitorPort: port('port of the HAProxy monitor frontend on each L7 node\'s own address').prefault(9100),
    monitorPath: httpPath('monitor URI; /<path>/<service> per service').prefault('/tierlb/health'),
    statsPort: port('port of the HAProxy stats page and Prometheus exporter').prefault(9101),
    underlayMtu: intIn(1280, 9216, 'MTU of the network between the L4 and the L7 nodes: what a tunnelled packet, outer header included, must fit').default(1500),
    mssClamp: obj({
      enabled: z.boolean().default(true).meta({ description: 'lower the MSS of SYN-ACKs from VIPs (a tc egress program on the node\'s own device) so users\' segments fit the tunnel without relying on ICMP "packet too big" reaching them: underlayMtu - 60 for IPv4 (IPIP), underlayMtu - 100 for IPv6 (ip6ip6)' }),
    }).prefault({}).meta({ description: 'TCP MSS clamping on the L7 nodes' }),
  }).prefault({}).meta({ description: 'site-wide settings of the L7 nodes: HAProxy, and their data path' }),
  l4: obj({
    tunnelChecks: obj({
      enabled: z.boolean().default(true).meta({ description: 'check every service as users reach it: a TCP connect (mode tcp) or HTTP request (mode http) to each VIP and port, carried through the IPIP / ip6ip6 tunnel to each L7 node by IPVS itself; a failure gives that L7 node weight 0 for the service' }),
      timeout: durationAbove0('how long one check through the tunnel waits for its answer: the L7 nodes are one hop away, and a short timeout is what lets a blackholing node lose its weight within interval × fall of the first failed check').prefault('500ms'),
      firstMark: intIn(1, 0xffff0000, 'firewall mark of the first L7 node\'s check service; the L7 nodes take the marks from it up, in site order, and nothing else on an L4 node may use them').default(0x7e1b0000),
    }).prefault({}).meta({ description: 'health checks through the production tunnel' }),
    flowEntropy: obj({
      enabled: z.boolean().default(true).meta({ description: 'on l4 nodes with tunnelSources: a tc egress program sets the outer source of every IPIP / ip6ip6 packet from a hash of the user\'s flow, one of the node\'s tunnelSources, so each flow keeps one and the flows spread over the L7 node\'s receive queues' }),
    }).prefault({}).meta({ description: 'flow entropy of the tunnel\'s outer header' }),
    connectionSync: obj({
      enabled: z.boolean().default(false).meta({ description: 'every L4 node runs the kernel\'s IPVS sync daemons, a master that multicasts its connection entries and a backup that takes the other nodes\' entries: a flow that ECMP moves to another L4 node keeps its L7 node even after the Maglev table changed (an L7 node drained, joined or left); see docs/connection-sync.md' }),
      interface: interfaceName('device the sync messages leave and arrive on, the same on every L4 node (the network between the L4 nodes); required when enabled').optional(),
      group: multicastGroup('multicast group of the sync messages, IPv4 or IPv6; the kernel\'s default is 224.0.0.81').prefault('224.0.0.81'),
      port: port('UDP port of the sync messages; the kernel\'s default is 8848').prefault(8848),
      ttl: intIn(1, 255, 'multicast TTL (IPv6 hop limit) of the sync messages: 1 keeps them on the L4 nodes\' own link').default(1),
      maxlen: intIn(1024, 65507, 'largest sync message (UDP payload), bytes; default the kernel\'s, 1500 less the IP and UDP headers; more only with jumbo frames on the interface').optional(),
      syncId: intIn(1, 255, 'sync ID of this site\'s messages: every L4 node sends it and takes only messages that carry it, so two sites sharing a group and port do not mix their entries').default(1),
    }).prefault({}).meta({ description: 'IPVS connection synchronisation between the L4 nodes' }),
  }).prefault({}).meta({ description: 'site-wide settings of the L4 nodes' }),
  bgp: bgpSchema.meta({ description: 'BGP between routers, route reflectors and L4 nodes' }),
  services: z.array(serviceSchema).min(1).meta({ description: 'what the site serves: VIPs and ports, and how each tier handles them' }),
  pools: z.array(poolSchema).min(1).meta({ description: 'groups of backend servers that services send to' }),
  nodes: z.array(nodeSchema).min(1).meta({ description: 'every machine of the site, one role each; the order of l7 nodes is their Maglev order' }),
  dns: obj({
    zones: z.array(zoneSchema).prefault([]).meta({ description: 'zones gdnsd serves' }),
  }).prefault({}).meta({ description: 'DNS tier' }),
  etcd: etcdSchema.optional().meta({ description: 'fleet state: pool state of nodes and servers kept in etcd, changed with tierlb pool / depool / drain from anywhere and watched by every agent; without it, only the local maintenance files' }),
});

export type RawSiteInput = z.input<typeof siteSchema>;
export type ParsedSite = z.output<typeof siteSchema>;
