// bird-vips.conf, the file of an L4 node's BIRD speaker that holds the
// announced set (rendered by renderBirdVips, rewritten by the agent's BIRD
// driver), and the set read back from it.
import { toIp } from '../../site/index.js';
import { normalizeAnnouncements, type Announcement } from './speaker.js';

export const BIRD_VIPS_FILE = 'bird-vips.conf';

/** The announced set from a bird-vips.conf renderBirdVips rendered: its host routes and its one switch. */
export function parseBirdVips(text: string): Announcement[] {
  const gracefulShutdown = /^define GRACEFUL_SHUTDOWN = true;$/m.test(text);
  const vips = [...text.matchAll(/^\s*route (\S+)\/(?:32|128) blackhole;$/gm)].flatMap((m) => {
    const vip = toIp(m[1] ?? '');
    return vip.ok ? [{ vip: vip.value, gracefulShutdown }] : [];
  });
  return normalizeAnnouncements(vips);
}
