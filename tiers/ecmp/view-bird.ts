// View-models of BIRD 2 configs: the router's bird.conf (learns the VIP host
// routes from every L4 node, installs them as one multipath kernel route),
// the L4 speaker's bird.conf, and the speaker's bird-vips.conf (the announced
// set and the graceful-shutdown switch, rewritten by the agent at run time).
import { allVips, familyOf, type Family, type IpAddress, type Site, type SiteNode } from '../../site/index.js';
import { bfdHostsOf, bfdNeighborsOf, bfdTimersOf, type BfdHost, type BfdTimersView } from './bfd.js';
import {
  communityOf, familiesOf, hostPrefix, routerIdOf, sessionsOf, timersOf, vipPrefixes,
  type CommunityView, type SessionView, type TimersView,
} from './view.js';

export interface BirdSessionView extends SessionView {
  readonly bfd: boolean;
  /** The site's, or the ones this session still runs while a router moves its sessions one by one (rolling-timers.ts). */
  readonly timers: TimersView;
  /** Router: accept only VIP host routes; absent = `import none`. */
  readonly importFilter?: string;
  /** Speaker: announce the static VIP routes; absent = `export none`. */
  readonly exportFilter?: string;
  /**
   * Router with BFD to the L4 nodes: next hops resolve through the
   * BFD-controlled host routes, also on a direct eBGP session (whose default,
   * `gateway direct`, would take any next hop on the link as it is).
   */
  readonly gatewayRecursive: boolean;
}

/** A router's BFD-watched L4 node addresses of one family (one static protocol each). */
export interface BfdHostsView {
  readonly family: Family;
  readonly hosts: readonly BfdHost[];
}

/** Named after its family (`VIPS_ipv4`, filter `vip_in_ipv4`); only for families with VIPs. */
export interface PrefixSetView {
  readonly family: Family;
  readonly prefixes: readonly string[];
}

export interface BirdConfView {
  readonly node: string;
  readonly role: 'router' | 'l4';
  readonly routerId: string;
  readonly timers: TimersView;
  readonly sessions: readonly BirdSessionView[];
  /** Families with at least one session: one kernel (router) or static (speaker) protocol each. */
  readonly families: readonly Family[];
  readonly bfd?: BfdTimersView;
  /** Router only: the L4 nodes it runs BFD to, whatever its BGP peers are. */
  readonly bfdHosts: readonly BfdHostsView[];
  /** L4 only: the routers this node answers BFD to. */
  readonly bfdNeighbors: readonly IpAddress[];
  readonly gracefulShutdown: CommunityView;
  /** Router only: the VIP host prefixes it accepts, per family with sessions. */
  readonly vipSets: readonly PrefixSetView[];
  /** Speaker only: communities added to every announced VIP. */
  readonly vipCommunities: readonly CommunityView[];
  /** Router only: the bound on a graceful-restart recovery (`graceful restart wait`), see gracefulRestartWaitSeconds. */
  readonly gracefulRestartWaitSeconds?: number;
}

/**
 * gobgpd (3.10) keeps a neighbor whose session dropped in Idle for a fixed
 * 5 s, refusing its connections, whatever idle-hold-time-after-reset says
 * (that one is for resets asked through its API).
 */
const GOBGP_IDLE_HOLD_SECONDS = 5;
/** BIRD's first connect to a peer waits this long (`connect delay time`, its default). */
const BIRD_CONNECT_DELAY_SECONDS = 5;
/** BIRD's own default is 240 s: long hold times must not bring it back. */
const GRACEFUL_RESTART_WAIT_MAX_SECONDS = 60;

/**
 * How long a router's BIRD restarted with `-R` keeps its predecessor's kernel
 * routes untouched while it waits for every peer's End-of-RIB. A reflector
 * that is up takes the session back once its idle hold is over and BIRD
 * connects (after its connect delay, then every connect retry), and a hold
 * time covers a peer that has not yet seen the old session close; measured
 * on the example site: 9–10 s for the last of its four sessions, against
 * 15 s here. A peer that is down never sends one: until this wait ends, no
 * route change reaches the kernel, hence the bound (BIRD's default, 240 s,
 * held a router's route installs for four minutes while a reflector was
 * down).
 */
export function gracefulRestartWaitSeconds(timers: TimersView): number {
  const back = GOBGP_IDLE_HOLD_SECONDS + BIRD_CONNECT_DELAY_SECONDS + 2 * timers.connectRetrySeconds + timers.holdSeconds;
  return Math.min(GRACEFUL_RESTART_WAIT_MAX_SECONDS, back);
}

/** `sessionTimers`: per session symbol, timers other than the site's (a router moving its sessions to new ones). */
export function birdConfView(site: Site, node: SiteNode & { role: 'router' | 'l4' }, sessionTimers?: ReadonlyMap<string, TimersView>): BirdConfView {
  const plain = sessionsOf(site, node);
  const families = familiesOf(plain);
  const vipSets = node.role === 'router' ? vipSetsOf(site, families) : [];
  const timers = timersOf(site);
  const bfdHosts = node.role === 'router' ? bfdHostsOf(site, node) : [];
  const bfdNeighbors = node.role === 'l4' ? bfdNeighborsOf(site, node) : [];
  const recursive = bfdHosts.length > 0;
  const sessions = plain.map((s) => birdSession(site, node.role, s, vipSets, sessionTimers?.get(s.symbol) ?? timers, recursive));
  const anyBfd = sessions.some((s) => s.bfd) || bfdHosts.length > 0 || bfdNeighbors.length > 0;
  return {
    node: node.name,
    role: node.role,
    routerId: routerIdOf(node),
    timers,
    sessions,
    families,
    ...(anyBfd ? { bfd: bfdTimersOf(site) } : {}),
    bfdHosts,
    bfdNeighbors,
    gracefulShutdown: communityOf(site.bgp.communities.gracefulShutdown),
    vipSets,
    vipCommunities: site.bgp.communities.vip.map(communityOf),
    ...(node.role === 'router' ? { gracefulRestartWaitSeconds: gracefulRestartWaitSeconds(timers) } : {}),
  };
}

function birdSession(
  site: Site, role: 'router' | 'l4', s: SessionView, vipSets: readonly PrefixSetView[], timers: TimersView, gatewayRecursive: boolean,
): BirdSessionView {
  // gobgp has no BFD: asking for it towards a reflector would only keep the session down.
  const bfd = site.bgp.bfd.enabled && s.peerSpeaksBird;
  if (role === 'l4') return { ...s, bfd, timers, exportFilter: 'vip_out', gatewayRecursive: false };
  // BIRD refuses an empty prefix set: a family without VIPs imports nothing.
  const hasSet = vipSets.some((v) => v.family === s.family);
  return { ...s, bfd, timers, gatewayRecursive, ...(hasSet ? { importFilter: `vip_in_${s.family}` } : {}) };
}

function vipSetsOf(site: Site, families: readonly Family[]): PrefixSetView[] {
  return families
    .map((family) => ({ family, prefixes: vipPrefixes(site, family) }))
    .filter((set) => set.prefixes.length > 0);
}

export interface BirdVipsView {
  readonly node: string;
  readonly gracefulShutdown: boolean;
  readonly statics: readonly { readonly family: Family; readonly prefixes: readonly string[] }[];
}

/**
 * The announced set, in the site's VIP order whatever order the caller gives,
 * so that the same set always renders the same bytes (and an unchanged file
 * needs no `birdc configure`). A VIP of a family the node has no session in
 * cannot be announced and is left out.
 */
export function birdVipsView(site: Site, node: SiteNode, vips: readonly IpAddress[], gracefulShutdown: boolean): BirdVipsView {
  const known = allVips(site);
  const stray = vips.find((v) => !known.includes(v));
  if (stray) throw new Error(`node ${node.name}: ${stray} is not a VIP of site ${site.name}`);
  const wanted = new Set<string>(vips);
  const families = familiesOf(sessionsOf(site, node));
  const statics = families.map((family) => ({
    family,
    prefixes: known.filter((v) => wanted.has(v) && familyOf(v) === family).map(hostPrefix),
  }));
  return { node: node.name, gracefulShutdown, statics };
}
