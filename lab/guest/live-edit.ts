// A live edit of the running lab: a VIP added to a service in every node's
// site file (rename over, as config management does), while every agent
// runs. Every L4 node must announce it (every router gets one next hop per L4
// node), the users must get answers from it, and the maintenance contract
// must hold for it: `touch /etc/lb/disable` on an L4 node withdraws that
// node's next hop for the new VIP, `rm` brings it back. Every wait is bounded.
import { nodesWithRole, type Site } from '../../site/index.js';
import { familyOfText } from '../addr.js';
import { INTERNET, type LabTopology } from '../topology.js';
import { blocked, routesMatch, type Check } from './bringup.js';
import { inNode, progress, until, withSiteText, type LabEnv } from './env.js';
import { readNodeSite, writeEveryNodeSite } from './node-site.js';
import { request, vipRoutes } from './observe.js';
import { nextFreeVip, withVip } from './site-edits.js';

/**
 * From the rename until every router routes the VIP via every L4 node and
 * the users get answers: a site reload on every node, IPVS and a BIRD
 * reconfigure on every L4 node and router, BGP through the reflectors, an
 * HAProxy reload on every L7 node; in the busy one-CPU lab kernel. Guards,
 * not figures (those are reported): 20-60 s on an unloaded host; on a slow
 * one an L4 turn took 80 s to apply the edit (its speaker 21 s), and in
 * another run the L4 turns waited 43 s behind others and applied in 89-98 s,
 * every L4 node announcing 205 s after the rename (the whole lab 1053 s).
 */
const TAKEN_MS = 300_000;
/** A try of the users' requests: the lab client gives up on a request after 10 s, and its own start takes seconds. */
const TRY_MS = 20000;
/** The graceful-shutdown drain (bgp.drainTime) comes first: the bound adds it. */
const WITHDRAWN_SLACK_MS = 45_000;
const BACK_MS = 60_000;

/**
 * `ip` arguments that route `vip` from the lab's internet namespace through
 * every router, as the routes the lab built for the site's own VIPs (the
 * upstream is a lab convention, not a site fact, so an edit of the site does
 * not reach it).
 */
export function upstreamRoute(topology: LabTopology, vip: string): string[] {
  const family = familyOfText(vip);
  const like = topology.routes.find((r) => r.ns === INTERNET && topology.vips.some((v) => familyOfText(v) === family && r.to.startsWith(`${v}/`)));
  if (!like) throw new Error(`expected the internet namespace to route a VIP of the ${family} family to copy, got none`);
  const to = `${vip}/${family === 'ipv4' ? 32 : 128}`;
  const hops = like.via.length === 1 ? ['via', like.via[0] ?? '', 'dev', like.dev] : like.via.flatMap((v) => ['nexthop', 'via', v, 'dev', like.dev]);
  return [...(family === 'ipv6' ? ['-6'] : []), 'route', 'replace', to, ...hops];
}

/** Whether every router's route to `vip` has exactly `l4` as next hops; what they had otherwise. */
async function vipRoutedVia(env: LabEnv, vip: string, l4: readonly string[]): Promise<{ ok: boolean; seen: string }> {
  const one = { ...env, topology: { ...env.topology, vips: [vip] } };
  const ok = (await routesMatch(one, l4)) !== undefined;
  if (ok) return { ok, seen: l4.join(', ') };
  const seen = await Promise.all(nodesWithRole(env.site, 'router').map(async (rt) => `${rt.name}: ${(await vipRoutes(one, rt.name)).get(vip)?.join(', ') ?? 'no route'}`));
  return { ok, seen: seen.join('; ') };
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function operator(env: LabEnv, node: string, command: string): Promise<void> {
  progress(env, `  ${node}# ${command}`);
  const r = await inNode(env, node, 'sh', ['-c', command]);
  if (r.code !== 0) progress(env, `    failed (${r.code}): ${r.stderr.trim()}`);
}

/** Answers from a few user addresses to `vip` on the service's first port, retried until all answer or the bound passes (one try at least). */
async function answered(env: LabEnv, site: Site, vip: string, ms: number): Promise<{ ok: boolean; detail: string }> {
  const port = site.services.find((s) => (s.vips as readonly string[]).includes(vip))?.ports[0] ?? 80;
  const url = `http://${familyOfText(vip) === 'ipv6' ? `[${vip}]` : vip}:${Number(port)}/`;
  const locals = env.topology.clients[familyOfText(vip)].slice(0, 4);
  let last = 'no answer';
  const r = await until(ms, async () => {
    const answers = await request(env, locals.map((local) => ({ url, local })), TRY_MS);
    const bad = answers.filter((a) => !a.ok);
    const why = (bad[0]?.error ?? String(bad[0]?.status ?? '')).split('\n')[0]?.slice(0, 120);
    last = `${answers.length - bad.length}/${answers.length} answered${bad.length > 0 ? ` (${why})` : ''}`;
    return bad.length === 0 && answers.length > 0 ? true : undefined;
  }, 1000);
  return { ok: r.value === true, detail: `${url}: ${last}` };
}

export async function vipAddedLive(env: LabEnv, up: Set<string>): Promise<Check[]> {
  const l4 = nodesWithRole(env.site, 'l4').map((n) => n.name);
  const service = env.site.services[0];
  const vip = nextFreeVip(env.site, 'ipv4');
  const name = `live edit: VIP ${vip ?? '(none free)'} added to ${service?.name ?? 'a service'} in every node's running site: every router routes it via every L4 node, users answered`;
  const disableName = `live edit: disable file on ${l4[0] ?? 'an L4 node'} withdraws its next hop for the added VIP ${vip ?? ''}, rm brings it back`;
  const b = blocked(name, env.topology.nodes.map((n) => n.name), up);
  if (b || !service || !vip || l4.length < 2) return [b ?? { name, ok: false, detail: 'expected a service with an IPv4 VIP and two L4 nodes' }];
  const target = l4[0] ?? '';
  progress(env, `live edit: VIP ${vip} added to service ${service.name}, every node's site file renamed over at once`);
  const boot = readNodeSite(env, target);
  const edited = withVip(boot, service.name, vip);
  const after = withSiteText(env, edited);
  const checks: Check[] = [];
  try {
    await inNode(env, INTERNET, 'ip', upstreamRoute(env.topology, vip));
    const at = writeEveryNodeSite(env, edited);
    progress(env, `  every node's copy renamed over within ${at.last - at.first} ms`);
    let routes = { ok: false, seen: '' };
    const announced = await until(TAKEN_MS, async () => { routes = await vipRoutedVia(after, vip, l4); return routes.ok ? true : undefined; }, 500);
    const ms = Date.now() - at.first;
    progress(env, `  routers' next hops for ${vip}: ${announced.value ? `${routes.seen} after ${secs(ms)}` : `not every L4 node after ${secs(ms)} (${routes.seen})`}`);
    // The rest of the same bound, and one try at least.
    const users = await answered(after, after.site, vip, Math.max(0, TAKEN_MS - (Date.now() - at.first)));
    const answeredMs = Date.now() - at.first;
    progress(env, `  users: ${users.detail}, ${secs(answeredMs)} after the rename`);
    const routed = announced.value ? `announced by ${l4.join(', ')} ${secs(ms)} after the rename` : `not announced by every L4 node ${secs(ms)} after the rename (${routes.seen})`;
    checks.push({ name, ok: announced.value === true && users.ok, detail: `${routed}; ${users.detail}${users.ok ? ` ${secs(answeredMs)} after the rename` : ` by ${secs(answeredMs)} after the rename`}`, ms: answeredMs });
    if (!announced.value) {
      checks.push({ name: disableName, ok: false, detail: `not run: ${vip} was never announced by every L4 node` });
      return checks;
    }
    checks.push(await disableWithdraws(after, vip, l4, target, disableName));
    return checks;
  } finally {
    // The site the lab started with, for whatever runs after: not waited for.
    writeEveryNodeSite(env, boot);
  }
}

async function disableWithdraws(env: LabEnv, vip: string, l4: readonly string[], target: string, name: string): Promise<Check> {
  const rest = l4.filter((n) => n !== target);
  const bound = env.site.bgp.drainTime.ms + WITHDRAWN_SLACK_MS;
  await operator(env, target, 'touch /etc/lb/disable');
  const gone = await until(bound, async () => ((await vipRoutedVia(env, vip, rest)).ok ? true : undefined), 500);
  progress(env, `  ${vip} via ${gone.value ? `${rest.join(', ')} after ${secs(gone.ms)}` : `still ${target} after ${secs(bound)}`}`);
  await operator(env, target, 'rm -f /etc/lb/disable');
  const back = await until(BACK_MS, async () => ((await vipRoutedVia(env, vip, l4)).ok ? true : undefined), 500);
  progress(env, `  ${vip} via ${back.value ? `${l4.join(', ')} again after ${secs(back.ms)}` : `not ${target} again after ${secs(BACK_MS)}`}`);
  return {
    name, ok: gone.value === true && back.value === true, ms: gone.ms,
    detail: `${gone.value ? `withdrawn in ${secs(gone.ms)}` : `still routed via ${target} ${secs(bound)} after the disable file`}; ${back.value ? `back in ${secs(back.ms)}` : `not back within ${secs(BACK_MS)}`}`,
  };
}
