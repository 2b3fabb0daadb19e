// The maintenance contract, step by step as an operator types it, each with
// the effect the design names, observed where it happens: the routers'
// tables, the L4 nodes' IPVS, the L7 nodes' HAProxy, and requests from users.
// Reactions are timed as the reactions bench times them (reaction.ts).
import { nodesWithRole, type SiteNode } from '../../site/index.js';
import { inNode, progress, until, type LabEnv } from './env.js';
import { ipvsTaken, operatorEdit, routeMonitors, routesSettled, type IpvsTaken, type RoutesSettled } from './reaction.js';
import { blocked, userRequests, type Check } from './bringup.js';
import { haproxyServers, ipvsTable, request, servedBy, type Answer } from './observe.js';

const names = (nodes: readonly SiteNode[]): string[] => nodes.map((n) => n.name);
const secs = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1000).toFixed(2)} s`);
const msOf = (ms: number | null): { ms?: number } => (ms === null ? {} : { ms });
const perNode = (t: IpvsTaken): string => [...t.perL4].map(([n, ms]) => `${n} ${secs(ms)}`).join(', ');
/** A node coming back is taken after `rise` good checks, as any other: said with the figure. */
const riseRule = (env: LabEnv): string => {
  const c = env.site.services[0]?.l7.check;
  return c ? `rise ${c.rise} checks ${c.interval.ms / 1000} s apart` : 'the rise rule';
};

async function operator(env: LabEnv, node: string, command: string): Promise<void> {
  progress(env, `  ${node}# ${command}`);
  const r = await inNode(env, node, 'sh', ['-c', command]);
  if (r.code !== 0) progress(env, `    failed (${r.code}): ${r.stderr.trim()}`);
}

/** A request from 48 user addresses; all must be answered; `avoid` says who must not answer. */
async function usersStillServed(env: LabEnv, avoid?: (a: Answer) => string | undefined): Promise<{ ok: boolean; detail: string }> {
  const answers = await request(env, userRequests(env, 24));
  const failed = answers.filter((a) => !a.ok);
  const wrong = avoid ? answers.map(avoid).filter((w): w is string => w !== undefined) : [];
  const errors = [...new Set(failed.map((f) => `${f.error ?? f.status}`))].join(',');
  return { ok: failed.length === 0 && wrong.length === 0, detail: `${answers.length - failed.length}/${answers.length} answered${failed.length ? ` (failed: ${errors})` : ''}${wrong.length ? `, ${wrong.length} by ${wrong[0]}` : ''}` };
}

export async function l4Disable(env: LabEnv, up: Set<string>): Promise<Check[]> {
  const l4 = names(nodesWithRole(env.site, 'l4'));
  const target = l4[0];
  const name = `touch /etc/lb/disable on ${target ?? 'an L4 node'}: routers lose its next hop, users still served`;
  const b = blocked(name, [...l4, ...names(nodesWithRole(env.site, 'router'))], up);
  if (b || !target) return [b ?? { name, ok: false, detail: 'no L4 node' }];
  progress(env, `maintenance: L4 node ${target}`);
  // A bound, not a target: each download ends within 30 s of its start or the client counts it broken (its own timeouts); the client itself starts slowly in a busy lab kernel.
  const slow = request(env, userRequests(env, 6, '/slow?seconds=30').filter((r) => r.url.includes(':80/')), 180000);
  const rest = l4.filter((n) => n !== target);
  const mon = routeMonitors(env);
  let gone: RoutesSettled = { firstMs: null, settledMs: null };
  let back: RoutesSettled = gone;
  let during = { ok: false, detail: 'not asked' };
  try {
    const off = await operatorEdit(env, target, 'disable', 'touch /etc/lb/disable');
    gone = await routesSettled(env, mon, off.at, rest);
    progress(env, `  routers' next hops: ${gone.settledMs !== null ? `${rest.join(', ')} ${secs(gone.settledMs)} after the file's change` : 'unchanged after 60 s'}`);
    during = await usersStillServed(env);
    progress(env, `  users: ${during.detail}`);
    const on = await operatorEdit(env, target, 'disable', 'rm /etc/lb/disable');
    back = await routesSettled(env, mon, on.at, l4);
    progress(env, `  routers' next hops: ${back.settledMs !== null ? `${l4.join(', ')} again ${secs(back.settledMs)} after the file's removal` : `${target} not back after 60 s`}`);
  } catch (e) {
    return [{ name, ok: false, detail: (e as Error).message }];
  } finally {
    mon.stop();
  }
  const flows = await slow;
  const broken = flows.filter((f) => !f.ok || !(f.body ?? '').endsWith('done'));
  progress(env, `  long downloads across the withdrawal: ${flows.length - broken.length}/${flows.length} complete${broken[0] ? ` (first broken: ${broken[0].error ?? broken[0].status})` : ''}`);
  return [
    { name, ok: gone.settledMs !== null && during.ok, detail: `routes settled ${secs(gone.settledMs)} after the file's change; ${during.detail}`, ...msOf(gone.settledMs) },
    { name: `rm /etc/lb/disable on ${target}: routers get its next hop back`, ok: back.settledMs !== null, detail: `routes settled ${secs(back.settledMs)} after the file's removal`, ...msOf(back.settledMs) },
    { name: `long downloads through ${target} survive its withdrawal`, ok: broken.length === 0 && flows.length > 0, detail: `${flows.length - broken.length}/${flows.length} complete${broken.length ? ` (broken: ${[...new Set(broken.map((f) => f.error ?? f.status))].join(',')})` : ''}` },
  ];
}

/** Weights the up L4 nodes give an L7 node, per IPVS service. */
async function l7Weights(env: LabEnv, l4: readonly string[], l7: SiteNode): Promise<number[]> {
  const addrs = [l7.addresses.ipv4, l7.addresses.ipv6];
  const out: number[] = [];
  for (const n of l4) {
    const table = await ipvsTable(env, n);
    for (const svc of table ?? []) out.push(...svc.destinations.filter((d) => addrs.includes(d.address as never)).map((d) => d.weight));
  }
  return out;
}

export async function l7Down(env: LabEnv, up: Set<string>): Promise<Check[]> {
  const l7 = nodesWithRole(env.site, 'l7');
  const l4 = names(nodesWithRole(env.site, 'l4'));
  const target = l7[0];
  const name = `down in ${target?.name ?? 'an L7 node'}'s agent-check: L4 nodes give it weight 0, users still served`;
  const b = blocked(name, [...l4, ...names(l7)], up);
  if (b || !target) return [b ?? { name, ok: false, detail: 'no L7 node' }];
  progress(env, `maintenance: L7 node ${target.name}`);
  try {
    const down = await operatorEdit(env, target.name, 'agent-check', 'echo down > /etc/lb/agent-check');
    const zero = await ipvsTaken(env, target.name, down.at, (w) => w.length > 0 && w.every((x) => x === 0));
    progress(env, `  ipvsadm -Ln on ${l4.join(', ')}: ${target.name} ${zero.ms !== null ? `weight 0, written ${secs(zero.ms)} after the file's change (${perNode(zero)})` : `weights ${(await l7Weights(env, l4, target)).join(',')}`}`);
    const during = await usersStillServed(env, (a) => (servedBy(env, a)?.l7 === target.name ? target.name : undefined));
    progress(env, `  users: ${during.detail}`);
    const upEdit = await operatorEdit(env, target.name, 'agent-check', 'echo up > /etc/lb/agent-check');
    const back = await ipvsTaken(env, target.name, upEdit.at, (w) => w.length > 0 && w.every((x) => x > 0));
    progress(env, `  ${target.name} weights back: ${back.ms !== null ? `written ${secs(back.ms)} after the file's change (${perNode(back)}; ${riseRule(env)})` : 'not within 30 s'}`);
    return [
      { name, ok: zero.ms !== null && during.ok, detail: `weight 0 ${secs(zero.ms)} after the file's change; ${during.detail}`, ...msOf(zero.ms) },
      { name: `up in ${target.name}'s agent-check: L4 nodes give it weight again`, ok: back.ms !== null, detail: `${secs(back.ms)} after the file's change (${riseRule(env)})`, ...msOf(back.ms) },
    ];
  } catch (e) {
    return [{ name, ok: false, detail: (e as Error).message }];
  }
}

export async function serverDrain(env: LabEnv, up: Set<string>): Promise<Check[]> {
  const l7 = names(nodesWithRole(env.site, 'l7'));
  const target = nodesWithRole(env.site, 'backend')[0];
  const name = `drain in ${target?.name ?? 'a server'}'s agent-check: every HAProxy drains it, users still served`;
  const b = blocked(name, [...l7, ...(target ? [target.name] : []), ...names(nodesWithRole(env.site, 'l4'))], up);
  if (b || !target) return [b ?? { name, ok: false, detail: 'no backend' }];
  progress(env, `maintenance: server ${target.name}`);
  const states = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const n of l7) for (const s of (await haproxyServers(env, n)) ?? []) if (s.server === target.name) out.push(`${n}/${s.backend}:${s.status}/${s.weight}`);
    return out;
  };
  await operator(env, target.name, 'echo drain > /etc/lb/agent-check');
  const drained = await until(15000, async () => { const s = await states(); return s.length > 0 && s.every((x) => /DRAIN|\/0$/.test(x)) ? s : undefined; }, 500);
  progress(env, `  HAProxy on ${l7.join(', ')}: ${drained.value ? `${target.name} drained in ${drained.value.length} backends after ${(drained.ms / 1000).toFixed(1)} s` : (await states()).join(' ')}`);
  const during = await usersStillServed(env, (a) => (servedBy(env, a)?.server === target.name ? target.name : undefined));
  progress(env, `  users: ${during.detail}`);
  await operator(env, target.name, 'echo up > /etc/lb/agent-check');
  const back = await until(15000, async () => { const s = await states(); return s.length > 0 && s.every((x) => x.includes(':UP/') && !x.endsWith('/0')) ? s : undefined; }, 500);
  progress(env, `  ${target.name} back in service: ${back.value ? `after ${(back.ms / 1000).toFixed(1)} s` : 'not within 15 s'}`);
  return [
    { name, ok: drained.value !== undefined && during.ok, detail: `drained in ${(drained.ms / 1000).toFixed(1)} s; ${during.detail}`, ms: drained.ms },
    { name: `up in ${target.name}'s agent-check: back in every HAProxy`, ok: back.value !== undefined, detail: `${(back.ms / 1000).toFixed(1)} s`, ms: back.ms },
  ];
}
