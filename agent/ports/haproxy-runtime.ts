// HAProxy's runtime API over its admin UNIX socket: one command per
// connection, the answer is everything until the socket closes.
import { createConnection } from 'node:net';

export interface HaproxyRuntime {
  command(line: string): Promise<string>;
}

/** Server names and states only ever come from the validated model; the check is a last guard. */
const SAFE_COMMAND = /^[A-Za-z0-9 _./:%-]+$/;

export function haproxyRuntime(socketPath: string, timeoutMs = 2000): HaproxyRuntime {
  return {
    command(line: string): Promise<string> {
      if (!SAFE_COMMAND.test(line)) return Promise.reject(new Error(`refusing runtime command ${JSON.stringify(line)}`));
      return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        const sock = createConnection(socketPath);
        sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`haproxy runtime API: no answer to "${line}" within ${timeoutMs} ms`)));
        sock.on('connect', () => sock.end(`${line}\n`));
        sock.on('data', (c) => chunks.push(c));
        sock.on('error', reject);
        sock.on('close', (hadError) => { if (!hadError) resolve(Buffer.concat(chunks).toString('utf8')); });
      });
    },
  };
}

export interface ServerState {
  readonly backend: string;
  readonly server: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  readonly opState: number;
  /** srv_admin_state bit field: 0x01 forced maint, 0x08 forced drain, ... */
  readonly adminState: number;
  readonly weight: number;
  /** srv_iweight: the weight of the config, which `set server weight N%` is a percent of. */
  readonly initialWeight: number;
}

/** Parses `show servers state` (format 1): a version line, a `#` header naming the columns, then rows. */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '))?.slice(2).split(' ');
  if (!header) return [];
  const col = (name: string): number => header.indexOf(name);
  const [be, sv, op, admin, weight, iweight] = ['be_name', 'srv_name', 'srv_op_state', 'srv_admin_state', 'srv_uweight', 'srv_iweight'].map(col);
  return lines
    .filter((l) => !l.startsWith('#') && /^\d/.test(l) && l.includes(' '))
    .map((l) => l.split(' '))
    .filter((f) => f.length >= header.length - 1)
    .map((f) => ({
      backend: f[be ?? -1] ?? '',
      server: f[sv ?? -1] ?? '',
      opState: Number(f[op ?? -1]),
      adminState: Number(f[admin ?? -1]),
      weight: Number(f[weight ?? -1]),
      initialWeight: Number(f[iweight ?? -1]),
    }));
}
