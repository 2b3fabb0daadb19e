// Starts the L4 node's BGP speaker chosen by the site (bgp.speaker) and
// returns the driver that announces through it. The speaker runs under
// `setpriv --pdeathsig TERM` (see tiers/ecmp/daemons.ts): if the agent dies,
// the speaker dies, its sessions drop and the routers withdraw this node's
// paths, because nobody would check the VIPs it announces any more.
import { readFile } from 'node:fs/promises';
import type { Site, SiteNode } from '../../site/index.js';
import {
  BIRD_VIPS_FILE, bgpPaths, birdSpeaker, birdSpec, gobgpSpeaker, gobgpdSpec, renderBirdVips, renderEcmp, type BgpSpeaker,
} from '../../tiers/ecmp/index.js';
import { birdConfigure, birdControl } from '../../tiers/ecmp/bird-control.js';
import type { RenderedFile } from '../../tiers/common/files.js';
import { filesOf, installDaemonFiles } from '../apply/daemon-files.js';
import type { RoleDeps } from '../role.js';
import { gobgpQuickChange, type QuickChange } from './l4-speaker-fast.js';

export interface StartedSpeaker {
  readonly daemon: 'gobgpd' | 'bird';
  readonly speaker: BgpSpeaker;
  /** Only the changing commands, for moving traffic away; see l4-speaker-fast.ts. */
  readonly quick?: QuickChange;
}

export class SpeakerStartError extends Error {
  readonly code = 'TIERLB_L4_SPEAKER';
}

export async function startSpeaker(deps: RoleDeps, site: Site): Promise<StartedSpeaker> {
  const { node } = deps;
  const paths = bgpPaths(node);
  const dir = node.agent.configDir;
  switch (site.bgp.speaker) {
    case 'gobgp': {
      await install(deps, dir, 'gobgpd', filesOf(renderEcmp(site, node).files, 'gobgpd'));
      deps.supervisor.start(gobgpdSpec(node, { configFile: paths.gobgpdConfig, apiHost: paths.gobgpApi.host, apiPort: paths.gobgpApi.port }));
      return {
        daemon: 'gobgpd', speaker: gobgpSpeaker(site, node, { apiHost: paths.gobgpApi.host, apiPort: paths.gobgpApi.port }),
        quick: gobgpQuickChange(site, node, paths.gobgpApi),
      };
    }
    case 'bird': {
      await install(deps, dir, 'bird', await birdFiles(site, node, paths.birdVips));
      deps.supervisor.start(birdSpec(node, { configFile: paths.birdConfig, socket: paths.birdSocket, pidFile: paths.birdPidFile }));
      return { daemon: 'bird', speaker: birdSpeaker(site, node, { configDir: dir, socket: paths.birdSocket }) };
    }
  }
}

/**
 * bird.conf, plus bird-vips.conf as it is now: the checker needs the include
 * beside bird.conf, and the rendered (empty) one must not replace the set a
 * running BIRD announces. Absent, it is created empty: nothing is announced
 * before the agent has checked the L7 quorum.
 */
async function birdFiles(site: Site, node: SiteNode, vipsPath: string): Promise<RenderedFile[]> {
  const conf = filesOf(renderEcmp(site, node).files, 'bird').filter((f) => f.name !== BIRD_VIPS_FILE);
  const current = await readFile(vipsPath, 'utf8').catch(() => undefined);
  return [...conf, { name: BIRD_VIPS_FILE, daemon: 'bird', content: current ?? renderBirdVips(site, node, [], { gracefulShutdown: false }) }];
}

async function install(deps: RoleDeps, dir: string, daemon: 'gobgpd' | 'bird', files: RenderedFile[]): Promise<void> {
  const r = await installDaemonFiles(deps, dir, daemon, files);
  if (r.kind === 'rejected') throw new SpeakerStartError(`${daemon} refused its config; not starting the speaker:\n${r.output}`);
  if (r.kind === 'failed') throw new SpeakerStartError(`cannot install the ${daemon} config in ${dir}: ${r.error.message}`, { cause: r.error });
}

/** After a site change: install the speaker's new config and have the running daemon take it. */
export async function refreshSpeaker(deps: RoleDeps, site: Site, started: StartedSpeaker): Promise<string | undefined> {
  const { node } = deps;
  const paths = bgpPaths(node);
  const want = site.bgp.speaker === 'gobgp' ? 'gobgpd' : 'bird';
  if (want !== started.daemon) return `bgp.speaker changed to ${site.bgp.speaker}: the agent must be restarted to switch speakers; ${started.daemon} keeps running`;
  const files = started.daemon === 'gobgpd' ? filesOf(renderEcmp(site, node).files, 'gobgpd') : await birdFiles(site, node, paths.birdVips);
  const r = await installDaemonFiles(deps, node.agent.configDir, started.daemon, files);
  if (r.kind === 'rejected' || r.kind === 'failed') return `${started.daemon} config not installed (${r.kind}); the running one stays`;
  if (r.kind === 'unchanged') return undefined;
  if (started.daemon === 'gobgpd') {
    deps.supervisor.signal('gobgpd', 'SIGHUP');
  } else {
    // BIRD's reply decides: it answers a refused file with an error code, where birdc would exit 0.
    const refused = await birdConfigure(birdControl(paths.birdSocket));
    if (refused) {
      deps.metrics.reloads.inc({ daemon: started.daemon, result: 'failed' });
      return refused;
    }
  }
  deps.metrics.reloads.inc({ daemon: started.daemon, result: 'ok' });
  return undefined;
}
