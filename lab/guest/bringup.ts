// The lab coming up: agents started, BGP sessions established, every
// router's multipath route to every VIP, then requests from the users to
// every VIP and DNS answers. Each step is a check with a reason.
import { nodesWithRole, poolOf } from '../../site/index.js';
import { familyOfText } from '../addr.js';
import { progress, sleep, until, type LabEnv } from './env.js';
import { dnsCheckName, dnsExpectations, sameAnswers } from './dns-expect.js';
import { agentState, birdSessions, digAll, request, servedBy, vipRoutes, type AgentState, type Answer, type Request } from './observe.js';

export interface Check { readonly name: string; readonly ok: boolean; readonly detail: string; readonly ms?: number }

/** Nodes whose agent runs (up or still starting), once every agent is either up or gone, or after `ms`. */
export async function waitForAgents(env: LabEnv, ms = 180000): Promise<{ up: Set<string>; check: Check }> {
  const names = env.topology.nodes.map((n) => n.name);
  let last = '';
  const start = Date.now();
  let states = new Map<string, AgentState>();
  for (let i = 0; i < 1000 && Date.now() - start < ms; i++) {
    states = new Map(names.map((n) => [n, agentState(env, n)]));
    const count = (k: AgentState['kind']): number => [...states.values()].filter((s) => s.kind === k).length;
    const line = `agents: ${count('up')} up, ${count('starting')} starting, ${count('exited')} not running`;
    if (line !== last) progress(env, line);
    last = line;
    if (count('starting') === 0) break;
    await sleep(500);
  }
  // Later checks are blocked only by agents that are gone: one still starting
  // fails this check, but the checks that need it wait for it themselves.
  const up = new Set(names.filter((n) => states.get(n)?.kind !== 'exited'));
  for (const [n, s] of states) {
    if (s.kind === 'exited') progress(env, `  ${n}: not running: ${s.why} (log: ${env.logDir}/${n}.agent.log)`);
    if (s.kind === 'starting') progress(env, `  ${n}: still starting after ${ms / 1000} s`);
  }
  const down = names.filter((n) => states.get(n)?.kind !== 'up');
  return { up, check: { name: 'every node\'s agent is running', ok: down.length === 0, detail: down.length === 0 ? `${names.length} agents` : `not running: ${down.map((n) => `${n} (${describe(states.get(n))})`).join(', ')}`, ms: Date.now() - start } };
}

function describe(s: AgentState | undefined): string {
  return s?.kind === 'exited' ? s.why : s?.kind ?? 'unknown';
}

export function blocked(name: string, needs: readonly string[], up: Set<string>): Check | undefined {
  const missing = needs.filter((n) => !up.has(n));
  return missing.length > 0 ? { name, ok: false, detail: `blocked: agents not running on ${missing.join(', ')}` } : undefined;
}

export async function checkBgp(env: LabEnv, up: Set<string>): Promise<Check> {
  const routers = nodesWithRole(env.site, 'router').map((n) => n.name);
  const b = blocked('BGP sessions established on every router', [...routers, ...nodesWithRole(env.site, 'reflector').map((n) => n.name)], up);
  if (b) return b;
  const r = await until(90000, async () => {
    const all = await Promise.all(routers.map(async (rt) => [rt, await birdSessions(env, rt)] as const));
    const ok = all.every(([, s]) => s.size > 0 && [...s.values()].every((st) => st === 'Established'));
    return ok ? all : undefined;
  }, 1000);
  const all = r.value ?? await Promise.all(routers.map(async (rt) => [rt, await birdSessions(env, rt)] as const));
  const detail = all.map(([rt, s]) => `${rt}: ${[...s].map(([p, st]) => `${p}=${st}`).join(' ') || 'no BGP protocol'}`).join('; ');
  progress(env, `BGP sessions: ${detail}`);
  return { name: 'BGP sessions established on every router', ok: r.value !== undefined, detail, ms: r.ms };
}

/** Every router's route to every VIP has exactly the expected L4 nodes as next hops: the table (router, VIP → hops), or undefined. */
export async function routesMatch(env: LabEnv, expected: readonly string[]): Promise<Map<string, Map<string, string[]>> | undefined> {
  const want = [...expected].sort().join(' ');
  const tables = new Map<string, Map<string, string[]>>();
  for (const rt of nodesWithRole(env.site, 'router').map((n) => n.name)) {
    const table = await vipRoutes(env, rt);
    tables.set(rt, table);
    if (env.topology.vips.some((vip) => (table.get(vip) ?? []).join(' ') !== want)) return undefined;
  }
  return tables;
}

const ROUTES_WAIT_MS = 240000;

export async function checkRoutes(env: LabEnv, up: Set<string>): Promise<Check> {
  const name = 'every router has one next hop per healthy L4 node for every VIP';
  const l4 = nodesWithRole(env.site, 'l4').map((n) => n.name);
  const b = blocked(name, [...nodesWithRole(env.site, 'router').map((n) => n.name), ...l4], up);
  if (b) return b;
  // Every L4 node announces once IPVS is verified and its L7 checks have risen: in the one-CPU lab kernel that can take minutes after BGP is up.
  const r = await until(ROUTES_WAIT_MS, () => routesMatch(env, l4), 1000);
  const routers = nodesWithRole(env.site, 'router').map((n) => n.name);
  for (const rt of routers) {
    const table = r.value?.get(rt) ?? await vipRoutes(env, rt);
    for (const vip of env.topology.vips) progress(env, `  ${rt}: ${vip} via ${(table.get(vip) ?? []).join(', ') || 'no route'}`);
  }
  return { name, ok: r.value !== undefined, detail: r.value ? `${routers.length} routers x ${env.topology.vips.length} VIPs via ${l4.join(', ')}` : `not every route had ${l4.join(', ')} within ${ROUTES_WAIT_MS / 1000} s`, ms: r.ms };
}

/** One request per user address, to the VIPs and ports of its family in turn. */
export function userRequests(env: LabEnv, perFamily = env.topology.clients.ipv4.length, path = '/'): Request[] {
  const endpoints = env.site.services.flatMap((s) => s.vips.flatMap((vip) => s.ports.map((port) => ({ vip, port: Number(port) }))));
  const out: Request[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const eps = endpoints.filter((e) => familyOfText(e.vip) === family);
    env.topology.clients[family].slice(0, perFamily).forEach((local, i) => {
      const e = eps[i % eps.length];
      if (e) out.push({ url: `http://${family === 'ipv6' ? `[${e.vip}]` : e.vip}:${e.port}${path}`, local });
    });
  }
  return out;
}

export function spread(env: LabEnv, answers: readonly Answer[]): string[] {
  const lines: string[] = [];
  for (const s of env.site.services) {
    const mine = answers.filter((a) => s.vips.some((v) => a.url.includes(familyOfText(v) === 'ipv6' ? `[${v}]` : `//${v}:`)));
    const by = (key: 'l7' | 'server'): string => {
      const counts = new Map<string, number>();
      for (const a of mine) {
        const who = servedBy(env, a)?.[key] ?? (a.ok ? 'unknown' : `failed (${a.error ?? a.status})`);
        counts.set(who, (counts.get(who) ?? 0) + 1);
      }
      return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(' ');
    };
    lines.push(`  ${s.name} (pool ${poolOf(env.site, s).name}, ${mine.length} requests): L7 ${by('l7')}; servers ${by('server')}`);
  }
  return lines;
}

export async function checkUsers(env: LabEnv): Promise<Check> {
  const reqs = userRequests(env);
  const start = Date.now();
  const answers = await request(env, reqs);
  const failed = answers.filter((a) => !a.ok);
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  progress(env, `requests from ${reqs.length} user addresses to every VIP (IPv4 and IPv6) in ${((Date.now() - start) / 1000).toFixed(1)} s, each ${ms[Math.floor(ms.length / 2)] ?? 0} ms (median) to ${ms.at(-1) ?? 0} ms:`);
  for (const l of spread(env, answers)) progress(env, l);
  for (const f of failed.slice(0, 5)) progress(env, `  failed: ${f.local} -> ${f.url}: ${f.error ?? f.status}`);
  const families = ['ipv4', 'ipv6'].map((fam) => `${fam} ${answers.filter((a) => a.ok && familyOfText(a.local) === fam).length}/${answers.filter((a) => familyOfText(a.local) === fam).length}`);
  return { name: 'requests from the users to every VIP, IPv4 and IPv6, are answered', ok: failed.length === 0 && answers.length > 0, detail: families.join(', '), ms: Date.now() - start };
}

export async function checkDns(env: LabEnv, up: Set<string>): Promise<Check> {
  const expected = dnsExpectations(env.site);
  const name = dnsCheckName(expected);
  if (expected.length === 0) return { name, ok: true, detail: 'no service has a dns: name' };
  const dns = nodesWithRole(env.site, 'dns');
  const b = blocked(name, dns.map((n) => n.name), up);
  if (b) return b;
  const servers = dns.flatMap((n) => [n.addresses.ipv4, n.addresses.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined));
  const questions = expected.flatMap((e) => (['A', 'AAAA'] as const).map((type) => ({ e, name: e.name, type })));
  const start = Date.now();
  // One dig per server asks every question; the servers at once.
  const results = (await Promise.all(servers.map(async (server) => {
    let last = new Map<string, string[] | undefined>();
    const matches = (got: Map<string, string[] | undefined>): boolean => questions.every((q) => sameAnswers(got.get(`${q.name.toLowerCase()} ${q.type}`) ?? ['no reply'], q.e[q.type]));
    const r = await until(15000, async () => {
      last = await digAll(env, server, questions);
      return matches(last) ? last : undefined;
    }, 1000);
    return questions.map((q) => {
      const got = last.get(`${q.name.toLowerCase()} ${q.type}`);
      const ok = r.value !== undefined || (got !== undefined && sameAnswers(got, q.e[q.type]));
      const text = got === undefined ? 'no reply' : got.join(' ') || 'no address';
      return { ok, line: `${q.name} @${server} ${q.type}: ${text}${ok ? '' : ` (expected ${q.e[q.type].join(' ') || 'no address'})`}` };
    });
  }))).flat();
  const details = results.map((r) => r.line);
  progress(env, `dig: ${details.join('; ')}`);
  return { name, ok: dns.length > 0 && results.every((r) => r.ok), detail: details.join('; '), ms: Date.now() - start };
}
