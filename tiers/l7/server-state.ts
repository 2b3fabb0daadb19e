// The servers' state HAProxy's next worker reads back on a reload
// (`load-server-state-from-file`). What it should carry over is what was set
// at runtime: up/down, drain, maint, weights. Where a server is and where its
// checks go belong to the site file, yet HAProxy 2.6 takes them from the
// state too: a server's port (`srv_port`), its check port and address, and
// its agent's address and port replace the new config's. A site edit of a
// backend's port or of an agent-check port would be lost at the very reload
// meant to apply it. Pure.
import type { HaproxyView } from './view-types.js';

/** The port of each server of the config, keyed by "backend server", as a state line names it. */
export type ServerPorts = ReadonlyMap<string, number>;

/** Format 1 fields (0-based) after be_id be_name srv_id srv_name. */
const SRV_ADDR = 4;
const SRV_PORT = 18;
const CHECK_PORT = 21;
const CHECK_ADDR = 22;
const AGENT_ADDR = 23;
const AGENT_PORT = 24;

export function serverPortsOf(view: HaproxyView): ServerPorts {
  const ports = new Map<string, number>();
  ports.set(`${view.enabler.backend} ${view.enabler.server}`, portOf(view.enabler.address));
  for (const s of view.services) for (const srv of s.servers) ports.set(`${s.backend} ${srv.name}`, portOf(srv.address));
  return ports;
}

/**
 * The `show servers state` answer rewritten for a worker that loads a config
 * with these server ports: each server's port is the config's, and its
 * address, check and agent fields say "none" ("-", "0"), which HAProxy reads
 * as "keep the config's". A server the config no longer has is left as it
 * was: HAProxy skips it. Anything that is not a format 1 server line passes
 * unchanged.
 */
export function carryServerState(state: string, ports: ServerPorts): string {
  if (!state.startsWith('1\n')) return state;
  return state.split('\n').map((line) => carryLine(line, ports)).join('\n');
}

function carryLine(line: string, ports: ServerPorts): string {
  if (line.startsWith('#') || line.trim() === '') return line;
  const fields = line.trim().split(/[ \t]+/);
  if (fields.length <= SRV_PORT) return line;
  const port = ports.get(`${fields[1]} ${fields[3]}`);
  if (port === undefined) return line;
  fields[SRV_ADDR] = '-';
  fields[SRV_PORT] = String(port);
  const none: ReadonlyArray<[number, string]> = [[CHECK_PORT, '0'], [CHECK_ADDR, '-'], [AGENT_ADDR, '-'], [AGENT_PORT, '0']];
  for (const [i, value] of none) if (i < fields.length) fields[i] = value;
  return fields.join(' ');
}

/** The port of "a.b.c.d:port" or "[v6]:port". */
function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
}
