// Where gdnsd's files live on a DNS node. One function, so the renderer (which
// writes these paths into gdnsd's config) and the agent (which installs the
// files, writes the VIP states and runs `gdnsdctl -c <configDir> reload-zones`)
// cannot disagree.
import type { SiteNode } from '../../site/index.js';

export interface GdnsdPaths {
  /** `gdnsd -c <configDir>`: holds `config` and `zones/`, rendered by tierlb. */
  readonly configDir: string;
  /** gdnsd's `run_dir`: control socket and lock, which `gdnsdctl` finds through the config. */
  readonly runDir: string;
  /** gdnsd's `state_dir`: state gdnsd reads and keeps across restarts (admin_state). */
  readonly stateDir: string;
  /** The extfile data the agent rewrites when a VIP goes up or down; inside `stateDir`. */
  readonly stateFile: string;
}

export function gdnsdPaths(node: SiteNode): GdnsdPaths {
  const { configDir, runDir, stateDir } = node.agent;
  const gdnsdState = `${trimSlash(stateDir)}/gdnsd`;
  return {
    configDir: `${trimSlash(configDir)}/gdnsd`,
    runDir: `${trimSlash(runDir)}/gdnsd`,
    stateDir: gdnsdState,
    stateFile: `${gdnsdState}/vips.state`,
  };
}

/** `/` and `/var/lib/tierlb/` are valid settings; the joined paths must not get `//`. */
function trimSlash(path: string): string {
  return path.replace(/\/+$/, '');
}
