// Where the fleet state lives under the site's prefix:
//   PREFIX/pool/NAME          a node's or server's PoolRecord (absent: pooled)
//   PREFIX/history/TIME-NAME  one HistoryEvent per change, never rewritten
//   PREFIX/generation         rewritten by every change; a change commits only
//                             if it is unchanged since the change read the state
//   PREFIX/agents/NODE        an agent's summary, held by a lease
import { toToken } from '../site/index.js';

export const poolDir = (prefix: string): string => `${prefix}/pool/`;
export const poolKey = (prefix: string, name: string): string => `${poolDir(prefix)}${name}`;
export const historyDir = (prefix: string): string => `${prefix}/history/`;
export const generationKey = (prefix: string): string => `${prefix}/generation`;
export const agentDir = (prefix: string): string => `${prefix}/agents/`;
export const agentKey = (prefix: string, node: string): string => `${agentDir(prefix)}${node}`;

/** Zero-padded milliseconds first, so that etcd's key order is time order. */
export function historyKey(prefix: string, whenMs: number, name: string): string {
  return `${historyDir(prefix)}${String(whenMs).padStart(15, '0')}-${name}`;
}

/** The NAME of `dir + NAME`, when it is a name tierlb could have written. */
export function nameUnder(dir: string, key: string): string | undefined {
  if (!key.startsWith(dir)) return undefined;
  const name = key.slice(dir.length);
  return toToken(name).ok ? name : undefined;
}
