// Everything an L4 node decides in one turn, as a pure function of the site
// and what the node observed: per service the L7 weights (health, depool
// threshold), whether to announce its VIPs (disable file, planned stop,
// quorum, IPVS verified), and the IPVS table and BGP announcements that follow.
import type { IpAddress, Service, Site, SiteNode, Token } from '../../site/index.js';
import { decideAnnounce, healthSettle, type AnnounceDecision, type DisableState } from './announce.js';
import { INITIAL_HEALTH, type TargetHealth } from './health.js';
import { FULL_WEIGHT, type IpvsState } from './model.js';
import { planIpvs } from './plan.js';
import { planWeights, type WeightPlan } from './weights.js';

export interface L4Observations {
  readonly now: number;
  readonly disable: DisableState;
  readonly stopRequestedAt?: number;
  /** The IPVS table was applied and read back equal to the plan on the last turn. */
  readonly ipvsVerified: boolean;
  /** Health of each (L7 node, service) pair, keyed by healthKey(). */
  readonly health: ReadonlyMap<string, TargetHealth>;
  /** VIPs this node announces now without the graceful-shutdown community; a service with none of them joins (see announce.ts). */
  readonly announcing: ReadonlySet<string>;
}

export interface PlannedAnnouncement {
  readonly vip: IpAddress;
  readonly gracefulShutdown: boolean;
}

export interface ServiceDecision {
  readonly service: Token;
  readonly announce: AnnounceDecision;
  readonly weights: WeightPlan<Token>;
}

export interface L4NodePlan {
  readonly ipvs: IpvsState;
  readonly announcements: readonly PlannedAnnouncement[];
  readonly services: readonly ServiceDecision[];
  /** When the plan will change with no new input (end of a drain, next step of a ramp): the agent wakes then. */
  readonly wakeAt?: number;
}

export const healthKey = (l7: string, service: string): string => `${l7}/${service}`;

export function planL4Node(site: Site, node: SiteNode, obs: L4Observations): L4NodePlan {
  const services = site.services.map((s) => decideService(site, s, obs));
  const perService = new Map(services.map((d) => [d.service as string, d.weights.weights as ReadonlyMap<string, number>]));
  const announcements = site.services.flatMap((s, i) => {
    const a = services[i]?.announce.announce;
    if (a === 'no' || a === undefined) return [];
    return s.vips.map((vip) => ({ vip, gracefulShutdown: a === 'graceful-shutdown' }));
  });
  // The end of a drain, of a join's settling, or of a ramp's step.
  const wakes = services.flatMap((d) => [d.announce.until, d.weights.wakeAt].filter((t) => t !== undefined));
  return {
    ipvs: planIpvs(site, node, undefined, perService),
    announcements: dedupe(announcements),
    services,
    ...(wakes.length > 0 ? { wakeAt: Math.min(...wakes) } : {}),
  };
}

function decideService(site: Site, service: Service, obs: L4Observations): ServiceDecision {
  const nodes = service.l7.nodes.map((name) => ({ name, health: obs.health.get(healthKey(name, service.name)) ?? INITIAL_HEALTH }));
  const weights = planWeights(nodes, { fullWeight: FULL_WEIGHT, depoolThreshold: service.l4.depoolThreshold, rampUp: { ms: service.l4.rampUp.ms, now: obs.now } });
  const joins = !service.vips.some((vip) => obs.announcing.has(vip));
  const check = service.l7.check;
  const announce = decideAnnounce({
    disabled: obs.disable, ...(obs.stopRequestedAt !== undefined ? { stopRequestedAt: obs.stopRequestedAt } : {}),
    now: obs.now, drainTime: site.bgp.drainTime, ipvsApplied: obs.ipvsVerified, healthyL7: weights.healthy, quorum: service.l4.quorum,
    ...(joins ? { joining: healthSettle(nodes, obs.now, check.interval.ms * check.rise) } : {}),
  });
  return { service: service.name, announce, weights };
}

/** A VIP shared by two services is announced once; draining wins if they disagree. */
function dedupe(list: readonly PlannedAnnouncement[]): PlannedAnnouncement[] {
  const byVip = new Map<string, PlannedAnnouncement>();
  for (const a of list) {
    const seen = byVip.get(a.vip);
    byVip.set(a.vip, seen ? { vip: a.vip, gracefulShutdown: seen.gracefulShutdown || a.gracefulShutdown } : a);
  }
  return [...byVip.values()];
}
