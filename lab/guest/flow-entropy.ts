// Flow entropy in the lab: many flows from one L4 node to one L7 node, and
// the outer sources the L7 node sees them arrive from. The flows are made on
// the L4 node itself, from its own address to a VIP of a service that
// hashes on the source address alone: IPVS takes the node's own connections
// to a VIP like users' (the checks through the tunnel rely on it), and with
// one source address Maglev sends every one of them to the same L7 node,
// through the same encapsulation and the same egress program as users'
// flows. A capture on every L7 node (the one that gets them is whichever
// Maglev picks) is then read per inner flow. Every wait is bounded.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { canonicalIpv6, familyOf, nodesWithRole, type Family, type Service, type SiteNode } from '../../site/index.js';
import { blocked, type Check } from './bringup.js';
import { inNode, nodeRun, progress, run, sleep, type LabEnv } from './env.js';
import { outerSources, splitFlows, type OuterSources } from './outer-sources.js';

const FLOWS: Readonly<Record<Family, number>> = { ipv4: 1000, ipv6: 300 };
const WANTED_SOURCES = 16;
const CONCURRENCY = 20;
const FLOWS_DEADLINE_MS = 150000;
const CAPTURE_READY_MS = 15000;
/**
 * tcpdump in a busy lab kernel reads the packets some time after they pass;
 * stopped at once when the flows end it drops what it has not read yet. It
 * is stopped once its files stopped growing for CAPTURE_QUIET_MS, or after
 * CAPTURE_CATCH_UP_MS.
 */
const CAPTURE_QUIET_MS = 1500;
const CAPTURE_CATCH_UP_MS = 10000;

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
};

/** Waits until the files have kept their sizes for `quietMs` (at most `boundMs`). */
async function untilQuiet(files: readonly string[], quietMs: number, boundMs: number): Promise<void> {
  const start = Date.now();
  let sizes = files.map(sizeOf).join(',');
  let since = Date.now();
  while (Date.now() - start < boundMs && Date.now() - since < quietMs) {
    await sleep(250);
    const now = files.map(sizeOf).join(',');
    if (now !== sizes) { sizes = now; since = Date.now(); }
  }
}
/** A capture in the busy lab kernel may miss a packet: this share of the connections made must be seen opening. */
const SEEN_SHARE = 0.95;

interface Scene { readonly l4: SiteNode; readonly service: Service; readonly l7: readonly string[] }

function sceneOf(env: LabEnv): Scene | undefined {
  const l4 = nodesWithRole(env.site, 'l4').find((n) => n.tunnelSources !== undefined);
  // Without mh-port, Maglev hashes the source address only: one L7 node for all the flows.
  const service = env.site.services.find((s) => s.l7.mode === 'http' && !s.l4.flags.includes('mh-port'));
  if (!l4 || !service) return undefined;
  return { l4, service, l7: nodesWithRole(env.site, 'l7').map((n) => n.name) };
}

const flowsVip = (s: Scene, family: Family): string => s.service.vips.find((v) => familyOf(v) === family) ?? '';
const canonical = (address: string): string => (address.includes(':') ? canonicalIpv6(address) : address);

const captureFile = (env: LabEnv, l7: string, family: Family): string => `${env.stateDir}/entropy-${family}-${l7}.pcap`;

/** tcpdump on every L7 node, writing the tunnelled packets from the L4 node's own address or its sources; resolves once each said it listens. */
async function startCaptures(env: LabEnv, s: Scene, family: Family): Promise<() => Promise<void>> {
  const own = s.l4.addresses[family] ?? '';
  const prefix = s.l4.tunnelSources?.[family] ?? '';
  const filter = family === 'ipv4' ? `ip proto 4 and (src net ${prefix} or src host ${own})` : `ip6 proto 41 and (src net ${prefix} or src host ${own})`;
  const children = s.l7.map((l7) => {
    rmSync(captureFile(env, l7, family), { force: true });
    const child = spawn('nsenter', [`--net=/run/netns/${env.prefix}${l7}`, '--', 'timeout', '-s', 'INT', String((FLOWS_DEADLINE_MS + 60000) / 1000), 'tcpdump', '-i', 'any', '-nn', '-U', '-w', captureFile(env, l7, family), filter], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const ended = new Promise<void>((resolve) => child.on('close', () => resolve()));
    return { child, ended, said: () => err };
  });
  const start = Date.now();
  while (Date.now() - start < CAPTURE_READY_MS && !children.every((c) => /listening on/.test(c.said()))) await sleep(100);
  return async () => {
    await untilQuiet(s.l7.map((l7) => captureFile(env, l7, family)), CAPTURE_QUIET_MS, CAPTURE_CATCH_UP_MS);
    for (const c of children) c.child.kill('SIGINT');
    await Promise.race([Promise.all(children.map((c) => c.ended)), sleep(10000)]);
    for (const c of children) c.child.kill('SIGKILL');
  };
}

/** The flows' own packets: to their VIP and port (the checks through the tunnel go to every VIP and port, from the same address). */
async function readCapture(env: LabEnv, s: Scene, l7: string, family: Family): Promise<{ o: OuterSources; said: string }> {
  const r = await run('tcpdump', ['-r', captureFile(env, l7, family), '-t', '-nn'], 60000);
  writeFileSync(`${env.logDir}/entropy-${family}-${l7}.txt`, r.stdout);
  const vip = canonical(flowsVip(s, family));
  const port = Number(s.service.ports[0]);
  return { o: outerSources(r.stdout, (address, p) => p === port && canonical(address) === vip), said: `${r.stderr.trim()} ${r.stdout.split('\n')[0] ?? ''}`.slice(0, 300) };
}

/** The flows client on the L4 node, from its own address; the number of flows it ended and how many broke. */
async function flowsFrom(env: LabEnv, s: Scene, family: Family, flows: string): Promise<{ done: number; broken: number }> {
  const vip = flowsVip(s, family);
  const host = family === 'ipv6' ? `[${vip}]` : vip;
  // In the node's own /run: the node has a mount namespace of its own.
  const file = `/run/entropy-flows-${family}.json`;
  const r = await inNode(env, s.l4.name, env.node, [
    flows, '--target', `http://${host}:${Number(s.service.ports[0])}/`, '--source', s.l4.addresses[family] ?? '',
    '--flows', String(FLOWS[family]), '--concurrency', String(CONCURRENCY), '--idle-ms', '5000', '--deadline-ms', String(FLOWS_DEADLINE_MS), '--json', file,
  ], FLOWS_DEADLINE_MS + 60000);
  if (r.code !== 0 && r.code !== 3) throw new Error(`flows client on ${s.l4.name}: exit ${r.code}: ${r.stderr.trim().slice(-300)}`);
  const all = (JSON.parse(readFileSync(nodeRun(env, s.l4.name, file), 'utf8')) as { flows: { end: string }[] }).flows;
  return { done: all.length, broken: all.filter((f) => f.end !== 'complete').length };
}

async function oneFamily(env: LabEnv, s: Scene, family: Family, flows: string): Promise<Check> {
  const sources = s.l4.tunnelSources?.[family] ?? '';
  const own = s.l4.addresses[family] ?? '';
  const name = `flow entropy ${family}: ${FLOWS[family]} flows from ${s.l4.name} to one L7 node take at least ${WANTED_SOURCES} outer sources of ${sources}, each flow one`;
  const stop = await startCaptures(env, s, family);
  const started = Date.now();
  let made: { done: number; broken: number };
  try {
    made = await flowsFrom(env, s, family, flows);
  } finally {
    await stop();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const seen = await Promise.all(s.l7.map(async (l7) => ({ l7, ...await readCapture(env, s, l7, family) })));
  const best = seen.reduce((a, b) => (b.o.syns > a.o.syns ? b : a));
  if (best.o.flows.size === 0) return { name, ok: false, detail: `no tunnelled packet captured on ${s.l7.join(', ')} (${made.done} flows made, ${made.broken} ended short); tcpdump said: ${best.said}` };
  const split = splitFlows(best.o);
  const fromOwn = [...best.o.flows.values()].filter((set) => set.has(own)).length;
  const distinct = [...best.o.sources.keys()].filter((a) => a !== own).length;
  const counts = [...best.o.sources.values()];
  const spread = counts.length > 0 ? `${Math.min(...counts)}–${Math.max(...counts)}` : '0';
  const detail = `${best.o.syns} connections (${best.o.flows.size} distinct address and port pairs, ${best.o.packets} packets) reached ${best.l7} of ${made.done} made in ${seconds} s (${made.broken} ended short); ${distinct} outer sources, ${spread} flows each; ${split.length} flows with more than one; ${fromOwn} from the node's own address`;
  progress(env, `  ${family}: ${detail}`);
  const ok = best.o.syns >= Math.ceil(made.done * SEEN_SHARE) && distinct >= WANTED_SOURCES && split.length === 0 && fromOwn === 0;
  return { name, ok, detail };
}

export async function flowEntropy(env: LabEnv, up: Set<string>): Promise<Check[]> {
  const name = 'flow entropy of the tunnel';
  // Optional in a site: a site that gives no L4 node tunnelSources has nothing to show here.
  if (!nodesWithRole(env.site, 'l4').some((n) => n.tunnelSources !== undefined)) {
    progress(env, 'flow entropy: skipped, no L4 node of this site has tunnelSources');
    return [];
  }
  const s = sceneOf(env);
  if (!s) return [{ name, ok: false, detail: 'the site has no http service that hashes on the source alone (without mh-port)' }];
  const b = blocked(name, [s.l4.name, ...s.l7], up);
  if (b) return [b];
  if (!env.flows) return [{ name, ok: false, detail: 'blocked: this lab was started without the flows client (--flows)' }];
  progress(env, `flow entropy: flows from ${s.l4.name}'s own address to ${s.service.name}'s VIPs, captured on every L7 node`);
  const checks: Check[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    if (!s.l4.tunnelSources?.[family] || !s.l4.addresses[family]) continue;
    try {
      checks.push(await oneFamily(env, s, family, env.flows));
    } catch (e) {
      checks.push({ name: `${name} ${family}`, ok: false, detail: (e as Error).message });
    }
  }
  return checks;
}
