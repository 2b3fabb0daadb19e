// Agent command-line options. Path and listen overrides are applied to the
// model (site/override.ts) so renderers and the agent agree on them.
import type { NodeOverrides } from '../site/index.js';

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

export function overridesOf(o: AgentOptions): NodeOverrides {
  const listen = splitListen(o.listen);
  return {
    ...(o.disableFile !== undefined ? { disableFile: o.disableFile } : {}),
    ...(o.agentCheckFile !== undefined ? { agentCheckFile: o.agentCheckFile } : {}),
    ...(o.runDir !== undefined ? { runDir: o.runDir } : {}),
    ...(o.stateDir !== undefined ? { stateDir: o.stateDir } : {}),
    ...(o.configDir !== undefined ? { configDir: o.configDir } : {}),
    ...(listen ? { listen: { address: listen[0], port: listen[1] } } : {}),
  };
}

/** A command-line option the agent cannot use: a usage error, exit code 2 at the CLI. */
export class AgentOptionError extends Error {
  readonly code = 'TIERLB_AGENT_OPTION';
}

/** `127.0.0.1:9400` or `[::1]:9400`. */
export function splitListen(text: string | undefined): [string, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 0 || port > 65535) throw new AgentOptionError(`--listen: expected ADDRESS:PORT such as 127.0.0.1:9400 or [::1]:9400, got ${JSON.stringify(text)}`);
  return [m[1] ?? m[2] ?? '', port];
}
