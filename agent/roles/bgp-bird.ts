// Talking to a router's BIRD on its control socket (agent/drivers/bird/
// control.ts, what birdc does without a process per question): is it there,
// take the new bird.conf, which sessions are up, which next hops each VIP has
// in the kernel. BIRD answers most refusals with a reply, not an error, so
// every answer is judged by BIRD's reply codes or text, and every reply gets
// a safe reading (unknown lines are skipped).
import { birdConfigure, type BirdControl } from '../drivers/bird/control.js';

const TIMEOUT_MS = 5000;

/** A `show ...` reply as birdc prints it (the text of its lines), or undefined when BIRD did not answer. */
export async function birdShow(control: BirdControl, command: string): Promise<string | undefined> {
  const r = await control.command(command, TIMEOUT_MS);
  return r.ok ? r.lines.map((l) => l.text).join('\n') : undefined;
}

/** True when a BIRD answers on the socket and says it is up (not starting or shutting down). */
export async function birdAnswers(control: BirdControl): Promise<boolean> {
  const text = await birdShow(control, 'show status');
  return text !== undefined && /^Daemon is up and running$/m.test(text);
}

export type Verdict = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly detail: string };

/** `configure`: BIRD re-reads bird.conf; a file it refuses leaves the old config running. */
export async function configureBird(control: BirdControl): Promise<Verdict> {
  const why = await birdConfigure(control, TIMEOUT_MS);
  return why === undefined ? { ok: true, detail: 'reconfigured' } : { ok: false, detail: why };
}

export interface BirdProtocol {
  readonly name: string;
  readonly proto: string;
  /** BIRD's protocol state: up, start, down, ... */
  readonly state: string;
  /** For BGP: the session state (Established, Active, Connect, ...) then the last error, if any. */
  readonly info: string;
}

/**
 * `birdc show protocols`: a header line (Name Proto Table State Since Info),
 * then one row per protocol. Since is one token (a time) in BIRD 2's default
 * format; Info is the rest of the line.
 */
export function parseBirdProtocols(text: string): BirdProtocol[] {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => /^Name\s+Proto\s+Table\s+State\s+Since\s+Info/.test(l));
  if (header < 0) return [];
  return lines.slice(header + 1).flatMap((line) => {
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) return [];
    return [{ name: m[1] ?? '', proto: m[2] ?? '', state: m[4] ?? '', info: (m[6] ?? '').trim().replace(/\s{2,}/g, '  ') }];
  });
}

/**
 * `birdc show route export kernel_ipv4`: the routes as the kernel protocol
 * exports them, with `merge paths` already applied, so a VIP with several L4
 * nodes shows one route with one `via` line per next hop. Returns prefix →
 * next hops in BIRD's order.
 */
export function parseBirdRoutes(text: string): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const start = /^([0-9a-fA-F.:]+\/\d+)\s/.exec(line);
    if (start?.[1]) {
      current = routes.get(start[1]) ?? [];
      routes.set(start[1], current);
      continue;
    }
    if (/^Table /.test(line)) current = undefined;
    const via = /^\s+via (\S+)/.exec(line);
    if (via?.[1] && current && !current.includes(via[1])) current.push(via[1]);
  }
  return routes;
}
