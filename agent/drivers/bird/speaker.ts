// The BGP speaker driver for BIRD: the announced set lives in bird-vips.conf,
// which this driver rewrites atomically (temp file, rename) and then asks
// BIRD to `configure` on its control socket (directly, not through birdc: see
// control.ts). An unchanged set touches nothing. If BIRD does not take
// the new file, the previous one is put back, so the file always says what
// BIRD runs; that is why announced() reads the file rather than `birdc show
// route` (which, besides, shows the static routes without the community the
// export filter adds).
//
// The file has ONE graceful-shutdown switch for all VIPs. When the desired
// set mixes draining and non-draining VIPs, draining wins for all of them:
// the community only lowers the preference of this node's paths, so the
// other L4 nodes take the traffic; the opposite reading would withdraw a VIP
// that should drain without first moving its traffic away.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { familyOf, type Site, type SiteNode } from '../../../site/index.js';
import { BIRD_VIPS_FILE, parseBirdVips } from '../../../tiers/ecmp/bird-vips.js';
import { renderBirdVips } from '../../../tiers/ecmp/render.js';
import {
  describeChanges, diffAnnouncements, normalizeAnnouncements, refuseForeign,
  type Announcement, type BgpSpeaker, type SpeakerResult,
} from '../../../tiers/ecmp/speaker.js';
import { birdConfigure, birdControl, type BirdControl } from './control.js';

export interface BirdSpeakerOptions {
  /** The folder of bird.conf, which includes "bird-vips.conf". */
  readonly configDir: string;
  readonly socket: string;
  /** BIRD's control socket; tests pass a fake. Default: birdControl(socket). */
  readonly control?: BirdControl;
}

/**
 * Replies of `birdc configure` meaning BIRD has taken the new config (the
 * last two: it applies it in the background). birdc's text, for the router
 * role (agent/roles/bgp-bird.ts); this driver reads the codes on the socket
 * (BIRD_CONFIGURE_ACCEPTED_CODES).
 */
export const BIRD_CONFIGURE_ACCEPTED = /^(Reconfigured|Reconfiguration in progress|Reconfiguration already in progress, queueing new config)$/m;

export function birdSpeaker(site: Site, node: SiteNode, options: BirdSpeakerOptions): BgpSpeaker {
  const control = options.control ?? birdControl(options.socket);
  const file = join(options.configDir, BIRD_VIPS_FILE);
  const readCurrent = (): Promise<string | undefined> => readFile(file, 'utf8').catch(() => undefined);

  return {
    async announced() {
      return parseBirdVips((await readCurrent()) ?? '');
    },
    async set(announcements): Promise<SpeakerResult> {
      const refused = refuseForeign(site, node, announcements);
      if (refused) return refused;
      const { effective, unannounceable } = effectiveSet(node, announcements);
      const problems = unannounceable.map((a) => `node ${node.name}: expected an ${familyOf(a.vip)} address to announce ${a.vip}, got none`);
      const content = renderBirdVips(site, node, effective.map((a) => a.vip), { gracefulShutdown: effective.some((a) => a.gracefulShutdown) });
      const previous = await readCurrent();
      if (previous === content) return resultOf([], problems);
      const changed = describeChanges(diffAnnouncements(parseBirdVips(previous ?? ''), effective));
      const failure = await replace(content, previous);
      return failure ? resultOf([], [...problems, failure]) : resultOf(changed, problems);
    },
  };

  /** Writes `content` and configures; on failure puts back `previous` (or the empty set) and says why. */
  async function replace(content: string, previous: string | undefined): Promise<string | undefined> {
    try {
      await writeAtomically(file, content);
      // A timeout puts the file back too, though BIRD may have taken the new
      // one; a later set() that differs from the file configures again.
      const refused = await birdConfigure(control);
      if (refused) await writeAtomically(file, previous ?? renderBirdVips(site, node, [], { gracefulShutdown: false }));
      return refused;
    } catch (error) {
      return `writing ${file}: ${(error as Error).message}`;
    }
  }
}

function resultOf(changed: string[], errors: readonly string[]): SpeakerResult {
  return errors.length === 0 ? { ok: true, changed } : { ok: false, error: errors.join('; '), changed };
}

/** The set as the file will say it: draining wins for all (one switch), VIPs of a family the node has no address in left out. */
function effectiveSet(node: SiteNode, announcements: readonly Announcement[]): { effective: Announcement[]; unannounceable: Announcement[] } {
  const wanted = normalizeAnnouncements(announcements);
  const draining = wanted.some((a) => a.gracefulShutdown);
  const possible = (a: Announcement): boolean => node.addresses[familyOf(a.vip)] !== undefined;
  return {
    effective: wanted.filter(possible).map((a) => ({ vip: a.vip, gracefulShutdown: draining })),
    unannounceable: wanted.filter((a) => !possible(a)),
  };
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content, { mode: 0o644 });
  await rename(temp, path);
}
