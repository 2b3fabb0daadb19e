// The L4 node's BGP speaker as the announcer drives it: its config (installed
// after the daemon's checker, taken live by the running daemon) and the
// whole set of VIPs it announces. Every call is handed the current site, so
// a VIP or a community added to the site file is the speaker's at once.
import type { Site, SiteNode } from '../../../site/index.js';
import type { Announcement, SpeakerResult } from '../../../tiers/ecmp/index.js';
import type { SpeakerPlan } from './plan.js';

export type SpeakerConfigResult =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'started' }
  /** The running daemon took the new config; `note` says what it could not take live. */
  | { readonly kind: 'reloaded'; readonly note?: string }
  /** The checker or the daemon refused it: the running config stays. */
  | { readonly kind: 'refused'; readonly detail: string }
  /** The checker gave no verdict (ran past its bound): the running config stays and the same one is tried again. */
  | { readonly kind: 'unchecked'; readonly detail: string }
  /** Only a restart of the agent can take it (another daemon); the running one stays. */
  | { readonly kind: 'restart-needed'; readonly detail: string };

export interface SetOptions {
  /** What this same daemon process took last: only the changes are sent. */
  readonly from?: readonly Announcement[];
  /** Announce every VIP of the set again: what its paths carry changed. */
  readonly again?: boolean;
}

export interface SpeakerPort {
  /** Installs the plan's config; starts the daemon the first time, has the running one take a change. */
  configure(site: Site, node: SiteNode, plan: SpeakerPlan): Promise<SpeakerConfigResult>;
  /** The BGP sessions the running BIRD says are established, by symbol; undefined for gobgpd or no answer. */
  established(node: SiteNode): Promise<ReadonlySet<string> | undefined>;
  /** The running daemon's pid: a new pid has announced nothing yet. */
  pid(): number | undefined;
  /** Makes the announced set equal `to`. */
  set(site: Site, node: SiteNode, to: readonly Announcement[], opts: SetOptions): Promise<SpeakerResult>;
  stop(): Promise<void>;
}
