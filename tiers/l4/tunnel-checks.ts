// Health checks that travel as users' flows do: from the L4 node to a VIP
// and port, carried to one L7 node through the same IPIP / ip6ip6 tunnel.
// An L7 node whose VIP is missing from `lo`, whose tunnel device is down or
// whose rp_filter drops decapsulated packets still answers its monitor URI on
// its own address; only a check through the tunnel sees it drop the flows.
//
// IPVS takes locally sent packets to a VIP:port at LOCAL_OUT and schedules
// them like any other flow, before a tc egress program or a policy route
// could see them. So the check is steered by IPVS itself: each L7 node has a
// firewall-mark service with that node as its only real server, in tunnel
// mode, and IPVS looks up firewall-mark services before address services.
// A check socket carrying the node's mark is then encapsulated by the very
// code that carries user traffic. The answer comes back directly from the
// L7 node with the VIP as source, which the kernel only accepts on a host
// that holds the VIP itself with accept_local. Pure.
import { familyOf, type Family, type IpAddress, type Port, type Service, type Site, type SiteNode, type Token } from '../../site/index.js';
import { tunnelCheckMode, tunnelCheckPath } from '../common/tunnel-check-path.js';
import type { TargetHealth } from './health.js';

/** How many marks a site may use from its first: one per L7 node, and room for the applier to find its own. */
export const TUNNEL_CHECK_MARKS = 4096;

/** A firewall-mark service whose one real server is an L7 node, in tunnel mode. */
export interface TunnelCheckService {
  readonly mark: number;
  readonly family: Family;
  readonly l7: Token;
  readonly address: IpAddress;
}

/** One connection of a check: to a VIP and port, sent from this node's own address, with the L7 node's mark. */
export interface TunnelProbeSpec {
  readonly vip: IpAddress;
  readonly port: Port;
  readonly localAddress: IpAddress;
  readonly mark: number;
}

/** The check of one service on one L7 node: every VIP and port of the service, through the tunnel. */
export interface TunnelCheckTarget {
  readonly l7: Token;
  readonly service: Token;
  readonly mode: 'http' | 'tcp';
  readonly path: string;
  readonly intervalMs: number;
  /**
   * Between rounds while the pair is on its way down or up (a failure while
   * up, a success while down), as HAProxy's `fastinter`: `fall` failures then
   * take about `fall` timeouts after the first, not `fall` intervals.
   */
  readonly fastIntervalMs: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly probes: readonly TunnelProbeSpec[];
  /** Mode http: the body the L7 node's frontend answers (its name), so an answer from another node is not taken for its own. */
  readonly expectBody?: string;
}

/** Each L7 node's mark: its place among the site's L7 nodes, from the first mark (a node's mark moves only when nodes before it do). */
export function tunnelCheckMarks(site: Site): ReadonlyMap<string, number> {
  const l7 = site.nodes.filter((n) => n.role === 'l7');
  return new Map(l7.map((n, i) => [n.name as string, site.l4.tunnelChecks.firstMark + i]));
}

/** True when `mark` is one this site's check services may hold. */
export function isTunnelCheckMark(site: Site, mark: number): boolean {
  const first = site.l4.tunnelChecks.firstMark;
  return mark >= first && mark < first + TUNNEL_CHECK_MARKS;
}

/** The families this L4 node checks `l7` in: both ends have an address of it and a served VIP is of it. */
function checkedFamilies(site: Site, node: SiteNode, l7: SiteNode): Family[] {
  const served = site.services.filter((s) => s.l7.nodes.includes(l7.name));
  const vipFamilies = new Set(served.flatMap((s) => s.vips.map(familyOf)));
  return (['ipv4', 'ipv6'] as const).filter((f) => vipFamilies.has(f) && node.addresses[f] !== undefined && l7.addresses[f] !== undefined);
}

/** The firewall-mark services this L4 node needs: one per L7 node and family checked. */
export function planTunnelCheckServices(site: Site, node: SiteNode): TunnelCheckService[] {
  if (!site.l4.tunnelChecks.enabled) return [];
  const marks = tunnelCheckMarks(site);
  return site.nodes.filter((n) => n.role === 'l7').flatMap((l7) => {
    const mark = marks.get(l7.name);
    if (mark === undefined) return [];
    return checkedFamilies(site, node, l7).flatMap((family) => {
      const address = l7.addresses[family];
      return address === undefined ? [] : [{ mark, family, l7: l7.name, address }];
    });
  });
}

/**
 * Every (L7 node, service) pair this L4 node checks through the tunnel, with
 * the service's own interval, rise and fall, and the shorter of its timeout
 * and the site's check timeout. In mode http the answer must name the node:
 * an L7 node that forwards what it gets for a VIP it no longer holds sends
 * the check back through the routers, where Maglev may hand it to a healthy
 * node whose answer would otherwise pass for the broken one's.
 */
export function tunnelCheckTargets(site: Site, node: SiteNode): TunnelCheckTarget[] {
  if (!site.l4.tunnelChecks.enabled) return [];
  const marks = tunnelCheckMarks(site);
  const l7s = new Map(site.nodes.filter((n) => n.role === 'l7').map((n) => [n.name as string, n]));
  return site.services.flatMap((service) => service.l7.nodes.flatMap((name) => {
    const l7 = l7s.get(name);
    const mark = marks.get(name);
    if (!l7 || mark === undefined) return [];
    const probes = probesOf(service, node, l7, mark);
    if (probes.length === 0) return [];
    const check = service.l7.check;
    const mode = tunnelCheckMode(service);
    return [{
      l7: name, service: service.name, mode, path: tunnelCheckPath(site, service),
      ...timing(check.interval.ms, Math.min(check.timeout.ms, site.l4.tunnelChecks.timeout.ms)), rise: check.rise, fall: check.fall, probes,
      ...(mode === 'http' ? { expectBody: name } : {}),
    }];
  }));
}

function timing(intervalMs: number, timeoutMs: number): Pick<TunnelCheckTarget, 'intervalMs' | 'timeoutMs' | 'fastIntervalMs'> {
  return { intervalMs, timeoutMs, fastIntervalMs: Math.min(intervalMs, Math.max(timeoutMs, Math.round(intervalMs / 4))) };
}

/** A VIP and port added to the checks (a site edit, an agent start) counts only after this: the L7 nodes take the edit meanwhile (address, HAProxy reload). */
export const TUNNEL_PROBE_GRACE_MS = 30_000;

function probesOf(service: Service, node: SiteNode, l7: SiteNode, mark: number): TunnelProbeSpec[] {
  return service.vips.flatMap((vip) => {
    const family = familyOf(vip);
    const localAddress = node.addresses[family];
    if (localAddress === undefined || l7.addresses[family] === undefined) return [];
    return service.ports.map((port) => ({ vip, port, localAddress, mark }));
  });
}

/** Connections per second the checks open, from one L4 node: what the checks cost its L7 nodes. */
export function tunnelCheckRate(targets: readonly TunnelCheckTarget[]): number {
  return targets.reduce((sum, t) => sum + (t.probes.length * 1000) / t.intervalMs, 0);
}

/** The weights' health, and the services whose checks through the tunnel were set aside (every node failing them at once). */
export interface TunnelHealth {
  readonly health: Map<string, TargetHealth>;
  readonly setAside: readonly string[];
}

const serviceOfKey = (key: string): string => key.slice(key.indexOf('/') + 1);

/**
 * The health the weights are planned from: the monitor's, unless the check
 * through the tunnel says down. A tunnel check not yet judged does not hold
 * a node back: the monitor alone decided before the tunnel was checked. When
 * the tunnel says down for every node of a service that the monitor says is
 * up, this node's own check path is the likely fault (its accept_local, a
 * filter, its marks), not every L7 node at once: those verdicts are set
 * aside, so a broken checker cannot withdraw a service the L7 nodes serve.
 */
export function withTunnelHealth(monitor: ReadonlyMap<string, TargetHealth>, tunnel: ReadonlyMap<string, TargetHealth>): TunnelHealth {
  const upByService = new Map<string, string[]>();
  for (const [key, m] of monitor) if (m.state === 'up') upByService.set(serviceOfKey(key), [...(upByService.get(serviceOfKey(key)) ?? []), key]);
  const setAside = [...upByService].filter(([, keys]) => keys.every((k) => tunnel.get(k)?.state === 'down')).map(([service]) => service);
  const out = new Map(monitor);
  for (const [key, t] of tunnel) {
    if (t.state !== 'down' || setAside.includes(serviceOfKey(key))) continue;
    if (monitor.get(key)?.state === 'down') continue;
    out.set(key, { ...t, lastReason: `no answer through the tunnel: ${t.lastReason ?? 'down'}` });
  }
  return { health: out, setAside };
}

/** A check service as the kernel lists it: which node it was for is not the kernel's to know. */
export type KernelCheckService = Omit<TunnelCheckService, 'l7'>;

/** One change to the kernel's check services: a service with its one real server, added or deleted whole. */
export type TunnelCheckOp = { readonly kind: 'add' | 'delete'; readonly service: KernelCheckService };

const serviceId = (s: KernelCheckService): string => `${s.mark}/${s.family}`;
const sameService = (a: KernelCheckService, b: KernelCheckService): boolean => a.mark === b.mark && a.family === b.family && a.address === b.address;

/** Deletions first (a mark that moved to another node is freed), then additions; an unchanged service is left alone. */
export function diffTunnelCheckServices(kernel: readonly KernelCheckService[], desired: readonly KernelCheckService[]): TunnelCheckOp[] {
  const want = new Map(desired.map((s) => [serviceId(s), s]));
  const have = new Map(kernel.map((s) => [serviceId(s), s]));
  const deletes = kernel.filter((k) => { const d = want.get(serviceId(k)); return !d || !sameService(k, d); });
  const adds = desired.filter((d) => { const k = have.get(serviceId(d)); return !k || !sameService(k, d); });
  return [...deletes.map((service) => ({ kind: 'delete' as const, service })), ...adds.map((service) => ({ kind: 'add' as const, service }))];
}
