// A fake BGP speaker for role tests. It keeps state like a daemon (its
// config, its RIB, its pid), refuses a VIP that the site it is handed does
// not have (as the real drivers do), and fails the test's invariants: a
// config change must come through configure(), never a set on a dead daemon.
import type { Site, SiteNode } from '../../site/index.js';
import { diffAnnouncements, normalizeAnnouncements, type Announcement, type SpeakerResult } from '../../tiers/ecmp/index.js';
import { refuseForeign } from '../../tiers/ecmp/speaker.js';
import type { SpeakerPlan } from '../../agent/roles/l4/plan.js';
import type { SetOptions, SpeakerConfigResult, SpeakerPort } from '../../agent/roles/l4/speaker-port.js';

export class FakeSpeaker implements SpeakerPort {
  /** The daemon's pid; undefined while it is down. */
  running: number | undefined;
  /** What the daemon announces, with the path attributes each VIP was last announced with. */
  rib = new Map<string, { gracefulShutdown: boolean; attributes: string }>();
  config: SpeakerPlan | undefined;
  readonly configures: SpeakerPlan[] = [];
  readonly sets: { to: Announcement[]; opts: SetOptions }[] = [];
  refuseConfig: string | undefined;
  /** The BGP sessions BIRD would say are established; a test takes them down and up. Undefined: not a BIRD that answers. */
  sessionsUp: Set<string> | undefined;
  private nextPid = 100;

  async configure(_site: Site, _node: SiteNode, plan: SpeakerPlan): Promise<SpeakerConfigResult> {
    this.configures.push(plan);
    if (this.refuseConfig !== undefined) return { kind: 'refused', detail: this.refuseConfig };
    if (this.config && this.config.daemon !== plan.daemon) return { kind: 'restart-needed', detail: `speaker is ${this.config.daemon}` };
    const first = this.running === undefined;
    const same = JSON.stringify(this.config?.files) === JSON.stringify(plan.files);
    this.config = plan;
    if (first) { this.running = this.nextPid++; return { kind: 'started' }; }
    return same ? { kind: 'unchanged' } : { kind: 'reloaded' };
  }

  pid(): number | undefined {
    return this.running;
  }

  async established(): Promise<ReadonlySet<string> | undefined> {
    return this.running === undefined || this.sessionsUp === undefined ? undefined : new Set(this.sessionsUp);
  }

  async set(site: Site, node: SiteNode, to: readonly Announcement[], opts: SetOptions): Promise<SpeakerResult> {
    if (this.running === undefined) throw new Error('fake speaker: set() on a daemon that is not running');
    this.sets.push({ to: [...to], opts });
    const refused = refuseForeign(site, node, to);
    if (refused) return refused;
    const held = [...this.rib].map(([vip, a]) => ({ vip, gracefulShutdown: a.gracefulShutdown })) as Announcement[];
    const changes = diffAnnouncements(held, to);
    const attributes = this.config?.pathAttributes ?? '';
    for (const vip of changes.withdraw) this.rib.delete(vip);
    const announce = opts.again === true ? normalizeAnnouncements(to) : changes.announce;
    for (const a of announce) this.rib.set(a.vip, { gracefulShutdown: a.gracefulShutdown, attributes });
    return { ok: true, changed: [...changes.withdraw.map((v) => `withdraw ${v}`), ...announce.map((a) => `announce ${a.vip}`)] };
  }

  async stop(): Promise<void> {
    this.running = undefined;
    this.rib.clear();
  }

  /** The daemon dies and the supervisor starts it again: a new pid with an empty RIB. */
  restart(): void {
    this.running = this.nextPid++;
    this.rib.clear();
  }

  announced(): string[] {
    return [...this.rib.keys()].sort();
  }
}
