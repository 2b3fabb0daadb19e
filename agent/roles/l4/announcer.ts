// What this L4 node advertises, owned: the announcer keeps the set the
// speaker holds (and which daemon process took it, and with which path
// attributes), and the config the speaker runs. It is handed the current
// site and the whole desired set on every call, as MetalLB hands its BGP
// session the whole set: a VIP added to the site is announced the same turn,
// a community changed re-announces every VIP, a restarted speaker (another
// pid) gets the whole set again.
import { isDeepStrictEqual } from 'node:util';
import type { Site, SiteNode } from '../../../site/index.js';
import type { Announcement } from '../../../tiers/ecmp/index.js';
import type { Logger } from '../../observe/log.js';
import type { Clock } from '../../ports/clock.js';
import { announcesMore, sameAnnouncements } from './announce-order.js';
import type { SpeakerPlan } from './plan.js';
import type { SpeakerPort } from './speaker-port.js';

interface Held {
  readonly set: readonly Announcement[];
  readonly pid: number;
  readonly pathAttributes: string;
}

export interface AnnouncerStatus {
  /** Why the speaker does not hold the desired set or config, if it does not. */
  readonly problem?: string;
  /** An edit the running speaker cannot take without a restart of the agent. */
  readonly restartNeeded?: string;
}

export class Announcer {
  private held: Held | undefined;
  private configured: SpeakerPlan | undefined;
  private refused: SpeakerPlan | undefined;
  private setError: string | undefined;
  private configError: string | undefined;
  /** The last config tried got no verdict from its checker: it is neither taken nor refused. */
  private unchecked = false;
  private restartNeeded: string | undefined;
  private repaired = 0;

  constructor(private readonly speaker: SpeakerPort, private readonly log: Logger, private readonly clock: Clock) {}

  /** What the speaker holds now, as far as the announcer knows (nothing after a restart). */
  get announcing(): readonly Announcement[] {
    return this.held !== undefined && this.held.pid === this.speaker.pid() ? this.held.set : [];
  }

  /** Announcements a drift check found changed under the agent and put back. */
  get driftRepairs(): number {
    return this.repaired;
  }

  /** The last config tried is waiting for a checker's verdict (it ran past its bound). */
  get awaitingCheck(): boolean {
    return this.unchecked;
  }

  /** True when `desired` would attract traffic the speaker does not attract now. */
  attracts(desired: readonly Announcement[]): boolean {
    return announcesMore(this.announcing, desired);
  }

  /** The speaker's config as planned; true when the speaker runs it (or the running one must stay until a restart). */
  async configure(site: Site, node: SiteNode, plan: SpeakerPlan): Promise<boolean> {
    if (isDeepStrictEqual(plan, this.configured)) return true;
    if (isDeepStrictEqual(plan, this.refused)) return false;
    const r = await this.speaker.configure(site, node, plan);
    this.unchecked = r.kind === 'unchecked';
    switch (r.kind) {
      case 'started':
      case 'unchanged':
        return this.took(plan);
      case 'reloaded':
        this.log.info({ daemon: plan.daemon, note: r.note }, `BGP speaker took the new config${r.note !== undefined ? `; ${r.note}` : ''}`);
        return this.took(plan);
      case 'refused':
        this.refused = plan;
        this.configError = r.detail;
        this.log.error({ daemon: plan.daemon, detail: r.detail }, 'BGP speaker config refused; the running one stays');
        return false;
      case 'unchecked':
        this.configError = r.detail;
        this.log.warn({ daemon: plan.daemon, detail: r.detail }, 'BGP speaker config not checked yet; the running one stays and it is tried again');
        return false;
      case 'restart-needed':
        if (this.restartNeeded !== r.detail) this.log.warn({ daemon: plan.daemon }, r.detail);
        this.restartNeeded = r.detail;
        this.configured = plan;
        return true;
    }
  }

  /**
   * Makes the speaker hold `desired`; undefined when it does, else why not.
   * `check`: read what the speaker holds even when the set is the one it
   * took, and put back what was changed under the agent (a path deleted
   * with `gobgp global rib del`, BIRD's VIP file edited by hand).
   */
  async announce(site: Site, node: SiteNode, plan: SpeakerPlan, desired: readonly Announcement[], opts: { readonly check?: boolean } = {}): Promise<string | undefined> {
    const pid = this.speaker.pid();
    if (pid === undefined) return this.fail('no BGP speaker running');
    const same = this.held !== undefined && this.held.pid === pid ? this.held : undefined;
    const again = same !== undefined && same.pathAttributes !== plan.pathAttributes;
    const unchanged = same !== undefined && !again && sameAnnouncements(same.set, desired);
    if (unchanged && opts.check !== true) return this.fail(undefined);
    this.log.debug({ again, announcements: desired }, 'BGP speaker set');
    const started = this.clock.now();
    // A check reads the speaker's own state: without `from`, the driver diffs against what it reads.
    const r = await this.speaker.set(site, node, desired, unchanged ? {} : { ...(same ? { from: same.set } : {}), again });
    if (unchanged) this.repaired += r.changed.length;
    if (unchanged && r.changed.length > 0) this.log.warn({ changed: r.changed }, `BGP speaker drift repaired: ${r.changed.join(', ')} (changed outside the agent)`);
    // speakerMs: how long the speaker took to take the change (BIRD: its answer to `configure`).
    else if (r.changed.length > 0) this.log.info({ changed: r.changed, speakerMs: this.clock.now() - started, again }, `BGP: ${r.changed.join(', ')}`);
    this.held = r.ok ? { set: desired, pid, pathAttributes: plan.pathAttributes } : undefined;
    if (!r.ok) this.log.warn({ err: r.error }, 'BGP speaker did not take the whole set; retrying');
    return this.fail(r.ok ? undefined : r.error);
  }

  status(): AnnouncerStatus {
    const problems = [this.configError, this.setError].filter((p): p is string => p !== undefined);
    return {
      ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
      ...(this.restartNeeded !== undefined ? { restartNeeded: this.restartNeeded } : {}),
    };
  }

  stop(): Promise<void> {
    return this.speaker.stop();
  }

  private took(plan: SpeakerPlan): true {
    this.configured = plan;
    this.refused = undefined;
    this.configError = undefined;
    this.restartNeeded = undefined;
    return true;
  }

  private fail(error: string | undefined): string | undefined {
    this.setError = error;
    return error;
  }
}
