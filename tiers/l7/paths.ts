// Where HAProxy's files and sockets live on an L7 node. One function, so the
// renderer (which writes these paths into haproxy.cfg) and the agent (which
// starts HAProxy and talks to its sockets) cannot disagree.
import type { SiteNode } from '../../site/index.js';

export interface HaproxyPaths {
  /** The installed config, under the node's config folder. */
  readonly config: string;
  /** Runtime API (level admin): the agent sets server states and weights here. */
  readonly adminSocket: string;
  /**
   * Master CLI. Not in haproxy.cfg: the agent passes it on HAProxy's command
   * line (`-W -S <path>`), and reloads through it.
   */
  readonly masterSocket: string;
  readonly pidFile: string;
  /** Written by the agent (`show servers state`) before a reload, read back by HAProxy after it. */
  readonly stateFile: string;
}

export function haproxyPaths(node: SiteNode): HaproxyPaths {
  const { configDir, runDir, stateDir } = node.agent;
  return {
    config: `${configDir}/haproxy.cfg`,
    adminSocket: `${runDir}/haproxy.sock`,
    masterSocket: `${runDir}/haproxy-master.sock`,
    pidFile: `${runDir}/haproxy.pid`,
    stateFile: `${stateDir}/haproxy.state`,
  };
}
