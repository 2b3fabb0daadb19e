// Talking to a router's BIRD through birdc: is it there, take the new
// bird.conf, which sessions are up, which next hops each VIP has in the
// kernel. birdc exits 0 on most refusals, so every answer is judged by BIRD's
// reply text, and every reply gets a safe reading (unknown lines are skipped).
import { describeRun, type Runner, type RunResult } from '../../tiers/common/runner.js';
import { BIRD_CONFIGURE_ACCEPTED } from '../drivers/bird/speaker.js';

const TIMEOUT_MS = 5000;

export function birdc(run: Runner, socket: string, args: readonly string[]): Promise<RunResult> {
  return run('birdc', ['-s', socket, ...args], { timeoutMs: TIMEOUT_MS });
}

/** True when a BIRD answers on the socket and says it is up (not starting or shutting down). */
export async function birdAnswers(run: Runner, socket: string): Promise<boolean> {
  const r = await birdc(run, socket, ['show', 'status']);
  return r.exitCode === 0 && /^Daemon is up and running$/m.test(r.stdout);
}

export type Verdict = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly detail: string };

/** `birdc configure`: BIRD re-reads bird.conf; a file it refuses leaves the old config running. */
export async function configureBird(run: Runner, socket: string): Promise<Verdict> {
  const args = ['configure'];
  const r = await birdc(run, socket, args);
  if (r.exitCode === 0 && BIRD_CONFIGURE_ACCEPTED.test(r.stdout)) return { ok: true, detail: lastLine(r.stdout) };
  return { ok: false, detail: `expected BIRD to reconfigure: ${describeRun('birdc', ['-s', socket, ...args], r)}` };
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

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
