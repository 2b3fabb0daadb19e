// The data-path bench inside the lab: once the lab is steady, the checks
// through the tunnel per second on each L4 node (the agents' counters over a
// window, and the agents' CPU), then packets per second through the lab
// under a fixed load of users' uploads and downloads, in windows that
// alternate the data-path programs attached (flow entropy on the L4 nodes,
// the MSS clamp on the L7 nodes) and detached. The agents are frozen
// (SIGSTOP) for the windows, so none re-attaches its program mid-window, and
// continued afterwards (they find their programs attached again). Writes
// LOG/data-path.json after each step. Bundled by bench/data-path/main.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { familyOf, nodeNamed, nodesWithRole, type Family } from '../../../site/index.js';
import { l7CheckTargets } from '../../../agent/health/l7-monitor-targets.js';
import { programObject } from '../../../agent/drivers/bpf/tc-program.js';
import { checkRoutes, waitForAgents } from '../../../lab/guest/bringup.js';
import { parseStat } from '../../../lab/guest/cpu.js';
import { envFromArgs, inNode, progress, sleep, uptime, type LabEnv } from '../../../lab/guest/env.js';
import { steady } from '../../disruption/guest/under-load.js';
import { agentOf, processes, signal } from '../../disruption/guest/watch.js';
import { readNodeSite, writeEveryNodeSite } from '../../../lab/guest/node-site.js';
import { withTunnelChecks } from '../../../lab/guest/site-edits.js';
import { metricSum, type ChecksFigure, type Mode, type Window } from '../figures.js';

export interface DataPathOptions { readonly reps: number; readonly windowS: number; readonly checksWindowS: number }
export interface DataPathResult { readonly checks: ChecksFigure[]; readonly windows: Window[]; readonly notes: string[]; readonly error?: string }

const TRANSFER_BYTES = 1048576;
/** Each load loop: at most this many transfers, and the window's time. */
const MAX_TRANSFERS = 1000;

const l4Names = (env: LabEnv): string[] => nodesWithRole(env.site, 'l4').map((n) => n.name);
const l7Names = (env: LabEnv): string[] => nodesWithRole(env.site, 'l7').map((n) => n.name);

/** CPU seconds each process of the node's agent used so far, by pid. */
function agentCpuS(node: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of processes(agentOf(node))) {
    const stat = parseStat(p.pid, readFileSync(`/proc/${p.pid}/stat`, 'utf8'), '');
    if (stat) out.set(p.pid, stat.ownS);
  }
  return out;
}

/** The agent's CPU per second between two readings: the processes in both (a restarted agent is not counted against itself). */
function cpuShare(before: Map<number, number>, after: Map<number, number>, seconds: number): number {
  const pids = [...before.keys()].filter((pid) => after.has(pid));
  if (pids.length === 0) return NaN;
  return pids.reduce((s, pid) => s + (after.get(pid) ?? 0) - (before.get(pid) ?? 0), 0) / seconds;
}

/** The agent's metrics; the lab kernel stalls for seconds at times, so a few tries with a generous bound. */
async function metricsOf(env: LabEnv, node: string): Promise<string> {
  const listen = nodeNamed(env.site, node)?.agent.listen;
  const host = listen?.address.includes(':') ? `[${listen.address}]` : listen?.address;
  let code = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await inNode(env, node, 'curl', ['-s', '--max-time', '30', `http://${host}:${listen?.port}/metrics`], 60000);
    if (r.code === 0) return r.stdout;
    code = r.code;
  }
  throw new Error(`metrics of ${node}: curl exit ${code} three times`);
}

async function measureChecks(env: LabEnv, windowS: number): Promise<ChecksFigure[]> {
  const name = 'tierlb_l4_tunnel_checks_total';
  const before = await Promise.all(l4Names(env).map(async (n) => ({ n, count: metricSum(await metricsOf(env, n), name), cpu: agentCpuS(n), at: Date.now() })));
  await sleep(windowS * 1000);
  return Promise.all(before.map(async (b) => {
    const count = metricSum(await metricsOf(env, b.n), name);
    const seconds = (Date.now() - b.at) / 1000;
    const node = nodeNamed(env.site, b.n);
    const monitorPerS = node ? l7CheckTargets(env.site, node).reduce((s, t) => s + 1000 / t.intervalMs, 0) : NaN;
    return { l4: b.n, tunnelPerS: (count - b.count) / seconds, monitorPerS, agentCpu: cpuShare(b.cpu, agentCpuS(b.n), seconds) };
  }));
}

/** An edit of every node's site reaches every agent within this, in the busy lab kernel. */
const EDIT_SETTLE_MS = 20000;

/** The L4 agents' CPU over a window with the checks through the tunnel off in every node's site; the site put back after. */
async function cpuWithoutTunnelChecks(env: LabEnv, windowS: number): Promise<Map<string, number>> {
  const l4 = l4Names(env);
  const text = readNodeSite(env, l4[0] ?? '');
  const out = new Map<string, number>();
  try {
    writeEveryNodeSite(env, withTunnelChecks(text, false));
    await sleep(EDIT_SETTLE_MS);
    const before = l4.map((n) => ({ n, cpu: agentCpuS(n), at: Date.now() }));
    await sleep(windowS * 1000);
    for (const b of before) out.set(b.n, cpuShare(b.cpu, agentCpuS(b.n), (Date.now() - b.at) / 1000));
  } finally {
    writeEveryNodeSite(env, text);
  }
  await sleep(EDIT_SETTLE_MS);
  return out;
}

/** The device holding the node's own address. */
async function deviceOf(env: LabEnv, node: string): Promise<string> {
  const n = nodeNamed(env.site, node);
  const r = await inNode(env, node, 'ip', ['-j', 'address', 'show']);
  const links = JSON.parse(r.stdout) as { ifname: string; addr_info?: { local?: string }[] }[];
  const own = [n?.addresses.ipv4, n?.addresses.ipv6].filter((a) => a !== undefined);
  const dev = links.find((l) => (l.addr_info ?? []).some((a) => own.includes(a.local as never)))?.ifname;
  if (!dev) throw new Error(`${node}: no device holds its own address`);
  return dev;
}

interface Program { readonly node: string; readonly dev: string; readonly pref: string; readonly object: string; readonly shown: string }

async function programsOf(env: LabEnv): Promise<Program[]> {
  const of = (file: string, what: string): string => {
    const o = programObject(file, what);
    if ('why' in o) throw new Error(o.why);
    return o.path;
  };
  const entropy = of('flow-entropy.o', 'flow entropy');
  const clamp = of('mss-clamp.o', 'MSS clamp');
  return [
    ...await Promise.all(l4Names(env).map(async (node) => ({ node, dev: await deviceOf(env, node), pref: '48', object: entropy, shown: 'tierlb_flow_ent' }))),
    ...await Promise.all(l7Names(env).map(async (node) => ({ node, dev: await deviceOf(env, node), pref: '49', object: clamp, shown: 'tierlb_mss_clam' }))),
  ];
}

async function setPrograms(env: LabEnv, programs: readonly Program[], mode: Mode): Promise<void> {
  for (const p of programs) {
    const args = mode === 'with'
      ? ['filter', 'replace', 'dev', p.dev, 'egress', 'pref', p.pref, 'handle', '1', 'bpf', 'direct-action', 'object-file', p.object, 'section', 'tc']
      : ['filter', 'delete', 'dev', p.dev, 'egress', 'pref', p.pref];
    const r = await inNode(env, p.node, 'tc', args, 30000);
    const shown = await inNode(env, p.node, 'tc', ['filter', 'show', 'dev', p.dev, 'egress'], 30000);
    if (shown.stdout.includes(`name ${p.shown}`) !== (mode === 'with')) throw new Error(`${p.node}: tc ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim().slice(0, 200)}; the program is ${mode === 'with' ? 'not' : 'still'} attached`);
  }
}

/** Packets sent by the node's Ethernet devices so far. */
async function txPackets(env: LabEnv, node: string): Promise<number> {
  const r = await inNode(env, node, 'ip', ['-j', '-s', 'link', 'show']);
  const links = JSON.parse(r.stdout) as { link_type?: string; stats64?: { tx?: { packets?: number } } }[];
  return links.filter((l) => l.link_type === 'ether').reduce((s, l) => s + (l.stats64?.tx?.packets ?? 0), 0);
}

const sumOver = async (env: LabEnv, nodes: readonly string[]): Promise<number> => (await Promise.all(nodes.map((n) => txPackets(env, n)))).reduce((a, b) => a + b, 0);

/** One load loop in the users namespace: transfers of 1 MB, one after another, for `seconds`; prints each one's bytes. */
function loadLoop(url: string, source: string, upload: string | undefined, seconds: number): string[] {
  const body = upload ? `-X POST --data-binary @${upload}` : '';
  const curl = `curl -s -o /dev/null -w '%{size_download} %{size_upload}\\n' --max-time ${seconds} --interface ${source} ${body} '${url}'`;
  return ['timeout', String(seconds), 'sh', '-c', `for i in $(seq 1 ${MAX_TRANSFERS}); do ${curl} || true; done`];
}

async function window(env: LabEnv, mode: Mode, seconds: number, upload: string): Promise<Window> {
  const web = env.site.services.find((s) => s.l7.mode === 'http');
  const loops = (['ipv4', 'ipv6'] as const).flatMap((family: Family, i) => {
    const vip = web?.vips.find((v) => familyOf(v) === family);
    const clients = env.topology.clients[family];
    if (!vip || clients.length < 2) return [];
    const host = family === 'ipv6' ? `[${vip}]` : vip;
    const port = Number(web?.ports[0]);
    return [
      loadLoop(`http://${host}:${port}/bytes?n=${TRANSFER_BYTES}`, clients[i * 2] ?? '', undefined, seconds),
      loadLoop(`http://${host}:${port}/sink`, clients[i * 2 + 1] ?? '', upload, seconds),
    ];
  });
  // Path MTUs the users learned in a window before (ICMP from an L4 node when a segment did not fit the tunnel) must not carry over.
  for (const v of ['-4', '-6']) await inNode(env, 'users', 'ip', [v, 'route', 'flush', 'cache']);
  const l4 = await sumOver(env, l4Names(env));
  const l7 = await sumOver(env, l7Names(env));
  const at = Date.now();
  const outs = await Promise.all(loops.map((argv) => inNode(env, 'users', argv[0] ?? 'timeout', argv.slice(1), (seconds + 30) * 1000)));
  const took = (Date.now() - at) / 1000;
  const l4After = await sumOver(env, l4Names(env));
  const l7After = await sumOver(env, l7Names(env));
  const bytes = outs.flatMap((o) => o.stdout.split('\n')).map((l) => l.split(' ').map(Number)).reduce((s, [d = 0, u = 0]) => s + (Number.isFinite(d) ? d : 0) + (Number.isFinite(u) ? u : 0), 0);
  return { mode, seconds: took, l4Packets: l4After - l4, l7Packets: l7After - l7, bytes };
}

async function measurePps(env: LabEnv, o: DataPathOptions, onWindow: (w: Window) => void): Promise<void> {
  const programs = await programsOf(env);
  const upload = `${env.stateDir}/data-path-upload.bin`;
  writeFileSync(upload, Buffer.alloc(TRANSFER_BYTES, 46));
  const agents = [...l4Names(env), ...l7Names(env)].flatMap((n) => processes(agentOf(n)));
  signal(agents, 'SIGSTOP');
  try {
    for (let rep = 1; rep <= o.reps; rep++) {
      // Alternating which comes first, so a drift of the host's speed falls on both.
      for (const mode of (rep % 2 === 1 ? ['with', 'without'] : ['without', 'with']) as Mode[]) {
        await setPrograms(env, programs, mode);
        const w = await window(env, mode, o.windowS, upload);
        onWindow(w);
        progress(env, `  ${rep}/${o.reps} ${mode.padEnd(7)}: ${(w.l4Packets / w.seconds).toFixed(0)} pkt/s out of the L4 nodes, ${(w.l7Packets / w.seconds).toFixed(0)} out of the L7 nodes, ${(w.bytes / w.seconds / 1e6).toFixed(2)} MB/s moved`);
      }
    }
  } finally {
    await setPrograms(env, programs, 'with').catch(() => undefined);
    signal(agents, 'SIGCONT');
  }
}

async function main(): Promise<number> {
  const env = envFromArgs();
  const o = JSON.parse(readFileSync(`${env.logDir}/data-path-options.json`, 'utf8')) as DataPathOptions;
  const result: DataPathResult = { checks: [], windows: [], notes: [] };
  const save = (error?: string): void => writeFileSync(`${env.logDir}/data-path.json`, JSON.stringify({ ...result, ...(error !== undefined ? { error } : {}) }, null, 2));
  const { check } = await waitForAgents(env);
  const routes = await checkRoutes(env, new Set(env.topology.nodes.map((n) => n.name)));
  progress(env, `lab up at ${uptime().toFixed(1)} s: ${check.detail}; ${routes.detail}`);
  const st = await steady(env);
  if (!st.ok) { save(`no steady state within 180 s: ${st.detail}`); return 1; }
  try {
    progress(env, `checks through the tunnel: counting for ${o.checksWindowS} s on every L4 node`);
    const on = await measureChecks(env, o.checksWindowS);
    progress(env, `the same ${o.checksWindowS} s with the checks through the tunnel off in every node's site (put back after)`);
    const off = await cpuWithoutTunnelChecks(env, o.checksWindowS);
    result.checks.push(...on.map((c) => ({ ...c, ...(off.has(c.l4) ? { agentCpuWithout: off.get(c.l4) } : {}) })));
    for (const c of result.checks) progress(env, `  ${c.l4}: ${c.tunnelPerS.toFixed(1)} checks through the tunnel /s (monitor URI ${c.monitorPerS.toFixed(1)} /s), agent CPU ${(c.agentCpu * 100).toFixed(1)} % (${c.agentCpuWithout === undefined ? '–' : (c.agentCpuWithout * 100).toFixed(1)} % with them off)`);
    save();
    progress(env, `packets per second: ${o.reps} × 2 windows of ${o.windowS} s, programs attached and detached in turn, agents frozen meanwhile`);
    await measurePps(env, o, (w) => { result.windows.push(w); save(); });
  } catch (e) {
    save((e as Error).message);
    progress(env, `error: ${(e as Error).message}`);
    return 1;
  }
  save();
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`data-path bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
