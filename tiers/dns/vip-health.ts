// How a DNS node learns whether a VIP is up, and what it answers. Pure: the
// checks themselves run in the agent, their outcomes and times come in here.
//
// The DNS node checks every VIP end to end, the way users reach it: an HTTP
// GET of the service's check path on VIP:port (a TCP connect for tcp mode),
// through the routers, an L4 node and an L7 node. A VIP that no L4 node
// announces has no route and fails every check, so it leaves the answers
// after `fall` checks, whatever the reason (L4 nodes disabled, no L7 quorum,
// routers down). Asking the L4 nodes or the route reflectors instead would
// tell what is announced, not whether users get an answer, and would need a
// BGP session or an API per L4 node on every DNS node.
import type { IpAddress, Port, Site, Token } from '../../site/index.js';
import { describeOutcome, stepHealth, type CheckOutcome, type RiseFall, type TargetHealth } from '../l4/health.js';

export interface VipTarget {
  /** `vip port`: the key of this target's health. */
  readonly key: string;
  readonly service: Token;
  readonly vip: IpAddress;
  readonly port: Port;
  readonly check: { readonly kind: 'http'; readonly path: string; readonly expectStatus: number } | { readonly kind: 'tcp' };
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly rule: RiseFall;
}

export interface VipDecision {
  readonly service: Token;
  readonly vip: IpAddress;
  /** What the state file tells gdnsd: UP stays in the answers. */
  readonly up: boolean;
  readonly reason: string;
}

export const targetKey = (vip: string, port: number): string => `${vip} ${port}`;

/** Every VIP:port behind a DNS name, in file order, with its service's check settings. */
export function vipTargets(site: Site): VipTarget[] {
  const targets: VipTarget[] = [];
  const seen = new Set<string>();
  for (const service of site.services) {
    if (service.dns.length === 0) continue;
    const c = service.l7.check;
    const check: VipTarget['check'] = service.l7.mode === 'http' ? { kind: 'http', path: c.path, expectStatus: c.expectStatus } : { kind: 'tcp' };
    for (const vip of service.vips) {
      for (const port of service.ports) {
        const key = targetKey(vip, port);
        if (seen.has(key)) continue;
        seen.add(key);
        targets.push({ key, service: service.name, vip, port, check, intervalMs: c.interval.ms, timeoutMs: c.timeout.ms, rule: { rise: c.rise, fall: c.fall } });
      }
    }
  }
  return targets;
}

/**
 * The L4 tier downs an L7 node at the first refused connection; here a
 * refusal or reset counts toward `fall` like any failure. Resolvers cache an
 * answer for its TTL, so a VIP dropped because one L7 node died (which the L4
 * tier routes around within a second) would stay out of caches far longer
 * than the fault lasted. A VIP nobody announces fails every check anyway.
 */
export function stepVipHealth(prev: TargetHealth, outcome: CheckOutcome, rule: RiseFall, now: number): TargetHealth {
  const counted: CheckOutcome = outcome.kind === 'refused' || outcome.kind === 'reset' ? { kind: 'fail', reason: describeOutcome(outcome) } : outcome;
  return stepHealth(prev, counted, rule, now);
}

/**
 * One decision per VIP behind a DNS name, in file order. A VIP is UP unless
 * one of its ports is down: a VIP that answers on port 80 but not on 443 is
 * broken for some users. `unknown` (not checked `rise` or `fall` times yet)
 * is UP: a DNS node or agent restart must not empty the answers, and gdnsd
 * itself reads a missing entry as UP.
 */
export function decideVips(site: Site, targets: readonly VipTarget[], health: ReadonlyMap<string, TargetHealth>): VipDecision[] {
  const decisions = new Map<string, VipDecision>();
  const down = new Map<string, string[]>();
  const unknown = new Set<string>();
  for (const t of targets) {
    const h = health.get(t.key);
    if (h === undefined || h.state === 'unknown') unknown.add(t.vip);
    else if (h.state === 'down') down.set(t.vip, [...(down.get(t.vip) ?? []), `port ${t.port} down (${h.lastReason ?? 'failed'})`]);
  }
  for (const t of targets) {
    if (decisions.has(t.vip)) continue;
    const why = down.get(t.vip);
    decisions.set(t.vip, why
      ? { service: t.service, vip: t.vip, up: false, reason: why.join(', ') }
      : { service: t.service, vip: t.vip, up: true, reason: unknown.has(t.vip) ? 'not checked yet: kept in the answers' : 'checks pass' });
  }
  return site.services.flatMap((s) => s.vips.map((v) => decisions.get(v)).filter((d): d is VipDecision => d?.service === s.name));
}

/** The map renderDnsState takes. */
export function vipUpMap(decisions: readonly VipDecision[]): Map<string, boolean> {
  return new Map(decisions.map((d) => [d.vip, d.up]));
}
