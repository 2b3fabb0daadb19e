// Where the ECMP tier's daemons keep their files and sockets on a node. One
// function, so the renderer, the checkers and the agent (which starts the
// daemons and talks to them) cannot disagree.
import type { SiteNode } from '../../site/index.js';

export interface BgpPaths {
  readonly birdConfig: string;
  /** bird-vips.conf, included by bird.conf on an L4 node whose speaker is BIRD; the agent rewrites it. */
  readonly birdVips: string;
  readonly birdSocket: string;
  readonly birdPidFile: string;
  /** The BFD-only BIRD beside gobgpd: its own files, so it never meets a BIRD speaker's. */
  readonly birdBfdConfig: string;
  readonly birdBfdSocket: string;
  readonly birdBfdPidFile: string;
  readonly gobgpdConfig: string;
  /**
   * gobgpd's gRPC API. Loopback only: whoever reaches it can announce any
   * prefix. One per network namespace, which is one per node in the lab.
   */
  readonly gobgpApi: { readonly host: string; readonly port: number };
}

export const GOBGP_API_PORT = 50051;

export function bgpPaths(node: SiteNode): BgpPaths {
  const configDir = node.agent.configDir.replace(/\/+$/, '');
  const runDir = node.agent.runDir.replace(/\/+$/, '');
  return {
    birdConfig: `${configDir}/bird.conf`,
    birdVips: `${configDir}/bird-vips.conf`,
    birdSocket: `${runDir}/bird.ctl`,
    birdPidFile: `${runDir}/bird.pid`,
    birdBfdConfig: `${configDir}/bird-bfd.conf`,
    birdBfdSocket: `${runDir}/bird-bfd.ctl`,
    birdBfdPidFile: `${runDir}/bird-bfd.pid`,
    gobgpdConfig: `${configDir}/gobgpd.toml`,
    gobgpApi: { host: '127.0.0.1', port: GOBGP_API_PORT },
  };
}
