// What a role (router, reflector, l4, l7, backend, dns) gives the agent's
// runtime. The runtime owns the loop, the files it watches, the status
// endpoint and the stop sequence; a role owns its daemons and its plan.
import type { Site, SiteNode } from '../site/index.js';
import type { FleetView } from '../fleet/store.js';
import type { StatusReport } from './observe/status.js';
import type { Logger } from './observe/log.js';
import type { Metrics } from './observe/metrics.js';
import type { Clock } from './ports/clock.js';
import type { Supervisor } from './supervise/supervisor.js';

export interface RoleDeps {
  /** This node, with the agent's command-line overrides applied: node.agent holds its paths. */
  readonly node: SiteNode;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly supervisor: Supervisor;
  /**
   * Asks the one writer for a plan/apply turn (health changed, a timer fired);
   * resolves once the inputs seen now have been applied. `repair` applies even
   * an unchanged plan: the world moved under an applier (a daemon restarted,
   * a drift check is due), and each applier looks at what it owns.
   */
  readonly kick: (reason: string, opts?: { readonly repair?: boolean }) => Promise<void>;
  /**
   * The fleet state in etcd as this agent last saw it; undefined without an
   * etcd: section (or in a test that has none). Local maintenance files win
   * over it (fleet/precedence.ts).
   */
  readonly fleet?: () => FleetView | undefined;
}

/** A role that cannot start with this site and node; said to the operator as it is, with no stack. */
export class RoleStartError extends Error {
  readonly code: string = 'TIERLB_ROLE_START';
}

export type RoleStatus = Pick<StatusReport, 'maintenance' | 'services' | 'sessions' | 'notes'>;

export interface Role<P> {
  /** Files whose change should start a turn (maintenance files). */
  readonly watched: readonly string[];
  /** Starts the role's daemons and servers with the first site. */
  start(site: Site): Promise<void>;
  /** Reads the role's inputs and returns the desired state; the decisions are pure functions of tiers/. */
  plan(site: Site): Promise<P>;
  /** Makes reality match the plan; true when every operation succeeded. */
  apply(site: Site, plan: P): Promise<boolean>;
  status(site: Site): RoleStatus;
  /**
   * Reads what `status` shows from a daemon (HAProxy's runtime API), just
   * before a status is given out: asked for, not polled.
   */
  refreshStatus?(): Promise<void>;
  /** Planned stop: drain, withdraw, stop daemons in reverse order. */
  stop(site: Site): Promise<void>;
}
