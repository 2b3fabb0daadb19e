// The BFD-only BIRD beside gobgpd on an L4 node (gobgp has no BFD): the
// routers make this node's VIP routes depend on its BFD sessions, so a node
// that freezes leaves their multipath routes within interval x multiplier.
// Supervised like the speaker and dying with the agent as it does; its own
// config file, socket and pid file, so it never meets a BIRD speaker's.
//
// A refused or failed BFD config never holds up the speaker: the node still
// announces, the routers still drop it after the hold time, as without BFD.
// On a planned stop it goes after the speaker, once the VIPs are withdrawn:
// BFD down then changes nothing at the routers.
import type { SiteNode } from '../../../site/index.js';
import type { RenderedFile } from '../../../tiers/common/files.js';
import { bgpPaths, birdBfdSpec } from '../../../tiers/ecmp/index.js';
import { installDaemonFiles } from '../../apply/daemon-files.js';
import { birdConfigure, birdControl } from '../../drivers/bird/control.js';
import type { Checker } from '../../install/install.js';
import type { RoleDeps } from '../../role.js';

const NAME = 'bird-bfd';

export interface BfdDaemon {
  /** Installs `files` and starts the daemon, or has the running one take them; no files stops it (BFD turned off). */
  configure(node: SiteNode, files: readonly RenderedFile[]): Promise<void>;
  stop(): Promise<void>;
}

/** `checker`: BIRD's own (`bird -p`) unless a test passes another. */
export function bfdDaemon(deps: Pick<RoleDeps, 'log' | 'metrics' | 'supervisor'> & { readonly checker?: Checker }): BfdDaemon {
  let running = false;

  const stop = async (): Promise<void> => {
    if (!running) return;
    await deps.supervisor.stop(NAME);
    running = false;
  };

  return {
    async configure(node, files) {
      if (files.length === 0) {
        if (running) deps.log.info('BFD turned off: stopping the BFD-only BIRD');
        return stop();
      }
      const r = await installDaemonFiles(deps, node.agent.configDir, NAME, files);
      if (r.kind === 'rejected' || r.kind === 'unchecked' || r.kind === 'failed') return;
      const paths = bgpPaths(node);
      if (!running) {
        deps.supervisor.start(birdBfdSpec(node, { configFile: paths.birdBfdConfig, socket: paths.birdBfdSocket, pidFile: paths.birdBfdPidFile }));
        running = true;
        return;
      }
      if (r.kind === 'unchanged') return;
      const refused = await birdConfigure(birdControl(paths.birdBfdSocket));
      deps.metrics.reloads.inc({ daemon: NAME, result: refused === undefined ? 'ok' : 'failed' });
      if (refused !== undefined) deps.log.error({ daemon: NAME, detail: refused }, `the BFD-only BIRD refused its new config: ${refused}`);
    },
    stop,
  };
}
