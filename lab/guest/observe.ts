// What the checks read from the running lab: agents' state, the routers'
// VIP routes, the L4 nodes' IPVS tables, the L7 nodes' HAProxy servers, and
// answers to requests from the users.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { haproxyRuntime } from '../../agent/ports/haproxy-runtime.js';
import { nodeNamed } from '../../site/index.js';
import { haproxyPaths } from '../../tiers/l7/paths.js';
import { parseIpvsList, type KernelService } from '../../tiers/l4/kernel.js';
import { inNode, nodeRun, run, type LabEnv, type Ran } from './env.js';

export type AgentState = { kind: 'up' } | { kind: 'starting' } | { kind: 'exited'; why: string };

/** Up once the agent logged "agent started"; exited when its process is gone, with the reason from its log. */
export function agentState(env: LabEnv, node: string): AgentState {
  const log = readText(`${env.logDir}/${node}.agent.log`);
  // "agent started" comes after the first turn, which a busy lab kernel can
  // hold up for minutes (an L4 node retrying its BGP speaker); the role's own
  // start line says the same for this purpose.
  if (log.includes('"msg":"agent started"') || /"msg":"\w+ role started"/.test(log)) return { kind: 'up' };
  const pid = readText(`${env.stateDir}/pids/${node}.agent`).trim();
  if (pid !== '' && existsSync(`/proc/${pid}`)) return { kind: 'starting' };
  const notWired = /the (\w+) role is not wired into the agent yet/.exec(log);
  if (notWired) return { kind: 'exited', why: `${notWired[1]} role not wired yet` };
  const last = log.trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0] ?? 'no output';
  return { kind: 'exited', why: last.slice(0, 300) };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * A router's routes to the VIPs: VIP → next hops (as L4 node names, or
 * addresses when unknown), sorted; a VIP without a route is missing. Two
 * `ip` runs per router, whatever the number of VIPs: each one is slow in a
 * busy lab kernel.
 */
export async function vipRoutes(env: LabEnv, router: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const family of ['-4', '-6']) {
    const r = await inNode(env, router, 'ip', ['-j', family, 'route', 'show']);
    if (r.code !== 0 || r.stdout.trim() === '') continue;
    const routes = JSON.parse(r.stdout) as { dst?: string; gateway?: string; nexthops?: { gateway?: string }[] }[];
    for (const rt of routes) {
      const dst = (rt.dst ?? '').replace(/\/(32|128)$/, '');
      if (!env.topology.vips.includes(dst)) continue;
      const hops = (rt.nexthops ? rt.nexthops.map((h) => h.gateway) : [rt.gateway]).filter((g): g is string => g !== undefined);
      out.set(dst, hops.map((g) => nodeOfAddress(env, g)).sort());
    }
  }
  return out;
}

export function nodeOfAddress(env: LabEnv, address: string): string {
  const n = env.site.nodes.find((x) => x.addresses.ipv4 === address || x.addresses.ipv6 === address);
  return n ? n.name : address;
}

/** `birdc` on a router's BIRD, through its agent's control socket. */
export function birdcOn(env: LabEnv, router: string, args: readonly string[]): Promise<Ran> {
  const node = nodeNamed(env.site, router);
  return inNode(env, router, 'birdc', ['-s', `${node?.agent.runDir ?? '/run/tierlb'}/bird.ctl`, ...args]);
}

/** BGP sessions of a router as BIRD reports them: protocol name → state. */
export async function birdSessions(env: LabEnv, router: string): Promise<Map<string, string>> {
  const r = await birdcOn(env, router, ['show', 'protocols']);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === 'BGP' && f[0]) out.set(f[0], f[5] ?? f[3] ?? '?');
  }
  return out;
}

/** The L4 node's IPVS table; --nosort keeps the kernel's destination order, which parseIpvsList turns oldest first. */
export async function ipvsTable(env: LabEnv, l4: string): Promise<KernelService[] | undefined> {
  const r = await inNode(env, l4, 'ipvsadm', ['-Ln', '--nosort']);
  return r.code === 0 ? parseIpvsList(r.stdout) : undefined;
}

export interface HaproxyServer { readonly backend: string; readonly server: string; readonly status: string; readonly weight: number; readonly scur: number }

/** `show stat` of an L7 node's HAProxy, servers only, with current sessions, read through its admin socket. */
export async function haproxyServers(env: LabEnv, l7: string): Promise<HaproxyServer[] | undefined> {
  const node = nodeNamed(env.site, l7);
  if (!node) return undefined;
  const text = await haproxyRuntime(nodeRun(env, l7, haproxyPaths(node).adminSocket)).command('show stat').catch(() => undefined);
  if (!text) return undefined;
  const lines = text.split('\n');
  const header = lines[0]?.replace(/^# /, '').split(',') ?? [];
  const col = (n: string): number => header.indexOf(n);
  return lines.slice(1).map((l) => l.split(',')).filter((f) => f.length > 10 && f[1] !== 'FRONTEND' && f[1] !== 'BACKEND')
    .map((f) => ({ backend: f[col('pxname')] ?? '', server: f[col('svname')] ?? '', status: f[col('status')] ?? '', weight: Number(f[col('weight')]), scur: Number(f[col('scur')]) || 0 }));
}

export interface Answer { readonly url: string; readonly local: string; readonly ok: boolean; readonly status?: number; readonly body?: string; readonly error?: string; readonly ms: number; readonly cert?: string }
export interface Request { readonly url: string; readonly local: string }

/** Sends the requests from the users namespace, 16 at a time, in one process. */
export async function request(env: LabEnv, requests: readonly Request[], timeoutMs = 120000): Promise<Answer[]> {
  const file = `${env.stateDir}/requests-${process.pid}-${Date.now()}.json`;
  writeFileSync(file, JSON.stringify(requests));
  const r = await inNode(env, 'users', env.node, [env.client, file], timeoutMs);
  if (r.code !== 0) return requests.map((q) => ({ ...q, ok: false, error: `client failed: ${r.stderr.slice(0, 200)}`, ms: 0 }));
  return JSON.parse(r.stdout) as Answer[];
}

/** `srv-1 port=8080 from=10.0.1.31 for=203.0.113.5` → server and L7 node. */
export function servedBy(env: LabEnv, a: Answer): { server: string; l7: string } | undefined {
  const m = /^(\S+) port=\d+ from=(\S+)/.exec(a.body ?? '');
  if (!m?.[1] || !m[2]) return undefined;
  return { server: m[1], l7: nodeOfAddress(env, m[2]) };
}

export interface DnsQuestion { readonly name: string; readonly type: 'A' | 'AAAA' }

/**
 * Every question to one server in one `dig` from the users (each dig is a
 * process start, slow in the lab kernel): `name type` → the addresses
 * answered, sorted; undefined for a question that got no reply.
 */
export async function digAll(env: LabEnv, server: string, questions: readonly DnsQuestion[]): Promise<Map<string, string[] | undefined>> {
  const r = await run('nsenter', [`--net=/run/netns/${env.prefix}users`, '--', 'dig', '+noall', '+answer', '+time=2', '+tries=2', `@${server}`, ...questions.flatMap((q) => [q.name, q.type])]);
  return parseDigAnswers(r.code === 0 ? r.stdout : '', questions);
}

/** `dig +noall +answer` lines (`www.example.org. 30 IN A 198.51.100.1`) per question; a reply dig could not get (";; ..." lines, no output at all) answers nothing. */
export function parseDigAnswers(text: string, questions: readonly DnsQuestion[]): Map<string, string[] | undefined> {
  const answers = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || line.startsWith(';') || f[2] !== 'IN' || (f[3] !== 'A' && f[3] !== 'AAAA')) continue;
    const key = `${(f[0] ?? '').replace(/\.$/, '').toLowerCase()} ${f[3]}`;
    answers.set(key, [...(answers.get(key) ?? []), f[4] ?? '']);
  }
  const unreached = text.trim() === '' || /^;; (no servers could be reached|communications error|connection timed out)/m.test(text);
  return new Map(questions.map((q) => {
    const key = `${q.name.toLowerCase()} ${q.type}`;
    const got = answers.get(key);
    return [key, got ? got.sort() : unreached ? undefined : []];
  }));
}
