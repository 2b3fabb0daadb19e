// What the lab does while Prometheus watches, so the dashboard's graphs move:
// the maintenance contract as an operator types it, one tier after another,
// each undone after a while, under a steady stream of users' downloads.
// About five minutes in all. Pure: the steps come from the site's nodes.
import { nodesWithRole, type Site } from '../../site/index.js';

export interface ActivityStep {
  readonly node: string;
  /** The maintenance file the command changes, under the node's /etc/lb. */
  readonly file: 'disable' | 'agent-check';
  readonly command: string;
  /** How long to let the site react and the graphs show it before the next step. */
  readonly waitS: number;
}

/** Before the first step: Prometheus's first samples of the steady site. */
export const BASELINE_S = 30;
/** After the last step, so its effect is on the picture too. */
export const TAIL_S = 20;

export function activityPlan(site: Site): ActivityStep[] {
  const l4 = nodesWithRole(site, 'l4')[0]?.name;
  const l7 = nodesWithRole(site, 'l7')[0]?.name;
  const backend = nodesWithRole(site, 'backend')[0]?.name;
  return [
    // Graceful shutdown (bgp.drainTime) then the withdrawal: the announced panel shows 1, 0.5, 0.
    ...(l4 ? [
      { node: l4, file: 'disable', command: 'touch /etc/lb/disable', waitS: 45 },
      { node: l4, file: 'disable', command: 'rm /etc/lb/disable', waitS: 40 },
    ] as const : []),
    ...(l7 ? [
      { node: l7, file: 'agent-check', command: 'echo down > /etc/lb/agent-check', waitS: 35 },
      { node: l7, file: 'agent-check', command: 'echo up > /etc/lb/agent-check', waitS: 40 },
    ] as const : []),
    ...(backend ? [
      { node: backend, file: 'agent-check', command: 'echo drain > /etc/lb/agent-check', waitS: 35 },
      { node: backend, file: 'agent-check', command: 'echo up > /etc/lb/agent-check', waitS: 40 },
    ] as const : []),
  ];
}

/** The whole activity's length, without the commands' own time. */
export function activitySeconds(steps: readonly ActivityStep[]): number {
  return BASELINE_S + steps.reduce((s, x) => s + x.waitS, 0) + TAIL_S;
}
