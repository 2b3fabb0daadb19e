// Agent command-line options over the node's settings from the site file:
// the lab runs many agents on one machine, each with its own folders.
import type { AgentSettings, SiteNode } from '../site/index.js';

export interface AgentOptions {
  readonly config: string;
  readonly node: string;
  readonly disableFile?: string;
  readonly agentCheckFile?: string;
  readonly runDir?: string;
  readonly stateDir?: string;
  readonly configDir?: string;
  readonly listen?: string;
}

export type EffectivePaths = Omit<AgentSettings, 'listen' | 'agentCheckPort'> & { readonly listenHost: string; readonly listenPort: number };

/** The node's effective paths: command line over site file over defaults. */
export function effectivePaths(node: SiteNode, o: AgentOptions): EffectivePaths {
  const a = node.agent;
  const [host, port] = splitListen(o.listen) ?? [a.listen.address, a.listen.port];
  return {
    disableFile: (o.disableFile ?? a.disableFile) as AgentSettings['disableFile'],
    agentCheckFile: (o.agentCheckFile ?? a.agentCheckFile) as AgentSettings['agentCheckFile'],
    runDir: (o.runDir ?? a.runDir) as AgentSettings['runDir'],
    stateDir: (o.stateDir ?? a.stateDir) as AgentSettings['stateDir'],
    configDir: (o.configDir ?? a.configDir) as AgentSettings['configDir'],
    listenHost: host,
    listenPort: port,
  };
}

/** `127.0.0.1:9400` or `[::1]:9400`. */
export function splitListen(text: string | undefined): [string, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 0 || port > 65535) throw new Error(`--listen: expected ADDRESS:PORT such as 127.0.0.1:9400 or [::1]:9400, got ${JSON.stringify(text)}`);
  return [m[1] ?? m[2] ?? '', port];
}
