// What the edits scenario reads from the daemons' own answers, as data:
// BIRD's BGP sessions with their negotiated timers (`show protocols all`),
// the communities of every path to a prefix (`show route for X all`), the
// listening sockets of a node (`ss -Hltn`), and the agent-check port HAProxy
// uses per server (`show servers state`). Pure; formats as BIRD 2.0 and
// HAProxy 2.6 print them.

export interface BirdSession {
  readonly protocol: string;
  /** `Established`, `Active`, ...: the BGP state line. */
  readonly state: string;
  /** Negotiated hold time and keepalive, seconds; undefined when the session is not up. */
  readonly holdSeconds?: number;
  readonly keepaliveSeconds?: number;
}

/** `birdc show protocols all`: every BGP protocol, its state and its timers (`Hold timer: 9.715/12` is 12 s). */
export function birdSessions(text: string): BirdSession[] {
  const out: { protocol: string; state: string; holdSeconds?: number; keepaliveSeconds?: number }[] = [];
  let current: (typeof out)[number] | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+)\s+BGP\s+\S+\s+\S+\s+\S+\s*(\S*)/.exec(line);
    if (head?.[1]) {
      current = { protocol: head[1], state: head[2] ?? '' };
      out.push(current);
      continue;
    }
    if (/^\S/.test(line)) { current = undefined; continue; }
    if (!current) continue;
    const state = /^\s+BGP state:\s+(\S+)/.exec(line);
    if (state?.[1]) current.state = state[1];
    const timer = /^\s+(Hold|Keepalive) timer:\s+[\d.]+\/(\d+)/.exec(line);
    if (timer?.[1] === 'Hold') current.holdSeconds = Number(timer[2]);
    if (timer?.[1] === 'Keepalive') current.keepaliveSeconds = Number(timer[2]);
  }
  return out;
}

/** `birdc show route for PREFIX all`: per path (the protocol it came from), its BGP communities as `ASN:VALUE`. */
export function birdPathCommunities(text: string): { readonly protocol: string; readonly communities: readonly string[] }[] {
  const out: { protocol: string; communities: string[] }[] = [];
  for (const line of text.split('\n')) {
    const path = /\bunicast \[(\S+)/.exec(line);
    if (path?.[1]) { out.push({ protocol: path[1], communities: [] }); continue; }
    const c = /^\s+BGP\.community:\s*(.*)$/.exec(line);
    const last = out[out.length - 1];
    if (c && last) last.communities.push(...[...(c[1] ?? '').matchAll(/\((\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`));
  }
  return out;
}

/** `ss -Hltn`: the local `ADDRESS:PORT` of every listening TCP socket, IPv6 in brackets, any `%dev` dropped. */
export function listeningSockets(text: string): string[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/)[3]).filter((a): a is string => a !== undefined && a !== '')
    .map((a) => a.replace(/%[^:\]]+(?=(\]?):\d+$)/, ''));
}

/** `show servers state` (format 1): backend, server and the agent-check port (0 or absent when it has none). */
export function serverAgentPorts(text: string): { readonly backend: string; readonly server: string; readonly agentPort: number }[] {
  const lines = text.split('\n');
  const header = lines.find((l) => l.startsWith('# '))?.slice(2).split(' ') ?? [];
  const col = (name: string): number => header.indexOf(name);
  const [be, srv, port] = [col('be_name'), col('srv_name'), col('srv_agent_port')];
  if (be < 0 || srv < 0 || port < 0) return [];
  return lines.filter((l) => l !== '' && !l.startsWith('#') && /^\d+ /.test(l)).map((l) => l.split(' '))
    .filter((f) => f.length > port).map((f) => ({ backend: f[be] ?? '', server: f[srv] ?? '', agentPort: Number(f[port]) || 0 }));
}
