// Per-node overrides from the agent's command line (the lab runs many agents
// on one machine). They go through the same brand constructors as the file,
// and into the model itself, so every renderer sees the paths in use.
import { toFsPath, toIp, toPort, toRunDir, type Checked } from './brand.js';
import type { AgentSettings, Site } from './model.js';

export interface NodeOverrides {
  readonly disableFile?: string;
  readonly agentCheckFile?: string;
  readonly runDir?: string;
  readonly stateDir?: string;
  readonly configDir?: string;
  readonly listen?: { readonly address: string; readonly port: number };
}

type Settings = { -readonly [K in keyof AgentSettings]?: AgentSettings[K] };

const PATH_KEYS = ['disableFile', 'agentCheckFile', 'runDir', 'stateDir', 'configDir'] as const;

/** The overrides as checked settings, or the first one that is not valid; needs no site, so a CLI can refuse a bad option before reading one. */
export function checkOverrides(o: NodeOverrides): Checked<Settings> {
  const agent: Settings = {};
  for (const key of PATH_KEYS) {
    const value = o[key];
    if (value === undefined) continue;
    const r = key === 'runDir' ? toRunDir(value) : toFsPath(value);
    if (!r.ok) return { ok: false, reason: `${key}: ${r.reason}` };
    agent[key] = r.value;
  }
  if (o.listen) {
    const address = toIp(o.listen.address);
    // Port 0: the kernel picks one (tests, the lab); the agent reports the port it got.
    const port = o.listen.port === 0 ? { ok: true as const, value: 0 as AgentSettings['listen']['port'] } : toPort(o.listen.port);
    if (!address.ok) return { ok: false, reason: `listen: ${address.reason}` };
    if (!port.ok) return { ok: false, reason: `listen: ${port.reason}` };
    agent.listen = { address: address.value, port: port.value };
  }
  return { ok: true, value: agent };
}

export function overrideNode(site: Site, name: string, o: NodeOverrides): Checked<Site> {
  const node = site.nodes.find((n) => n.name === name);
  if (!node) return { ok: false, reason: `node "${name}" is not in the site` };
  const checked = checkOverrides(o);
  if (!checked.ok) return checked;
  const agent: AgentSettings = { ...node.agent, ...checked.value };
  return { ok: true, value: { ...site, nodes: site.nodes.map((n) => (n.name === name ? { ...n, agent } : n)) } };
}
