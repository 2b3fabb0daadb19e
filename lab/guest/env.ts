// What the lab's checks run with inside the lab (the UML guest or the host):
// the site and its topology, where the lab keeps its state, and how to run a
// command in a node. Every command is bounded in time.
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allVips, overrideNode, parseSiteText, type Site } from '../../site/index.js';
import { labPaths, labTopology, type LabTopology } from '../topology.js';

export interface LabEnv {
  readonly site: Site;
  readonly topology: LabTopology;
  readonly prefix: string;
  readonly stateDir: string;
  readonly logDir: string;
  /** node binary and the lab's client script, for requests from the users. */
  readonly node: string;
  readonly client: string;
  /** The bench's flows client (bench/flows/main.ts, bundled), for a stream of users' requests. */
  readonly flows?: string;
  /** The lab's tierlb command (the agents' bundle), for checks that run it as an operator would. */
  readonly tierlb?: string;
  /** Stop after the smoke checks (`npm run lab -- --smoke`): no maintenance steps, no live edit. */
  readonly smokeOnly?: boolean;
  /** Only these steps of the demo, by name (`npm run lab -- --only mss,live-edit`); every step when absent. */
  readonly only?: readonly string[];
}

export interface Ran { readonly code: number; readonly stdout: string; readonly stderr: string }

/**
 * A bound on one `tierlb` command in the lab: under a second on an unloaded
 * host, and a minute and more when the lab kernel's one CPU is shared with
 * every agent of a starved site.
 */
export const CLI_MS = 240_000;

export function run(cmd: string, args: readonly string[], timeoutMs = 15000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      // A command the timeout killed says so (code 124, as timeout(1)), not "Command failed".
      if (err?.killed === true) { resolve({ code: 124, stdout: String(stdout), stderr: `timed out after ${timeoutMs / 1000} s${stderr ? `: ${String(stderr)}` : ''}` }); return; }
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: err && code === 1 && !stderr ? err.message : String(stderr) });
    });
  });
}

/** Runs a command in a node's network namespace, and in its mount namespace when it has one. */
export function inNode(env: LabEnv, node: string, cmd: string, args: readonly string[], timeoutMs = 15000): Promise<Ran> {
  const mnt = `${env.stateDir}/mnt/${node}`;
  const ns = [`--net=/run/netns/${env.prefix}${node}`, ...(existsSync(mnt) ? [`--mount=${mnt}`] : [])];
  return run('nsenter', [...ns, '--', cmd, ...args], timeoutMs);
}

/** The node's /run as the lab sees it from outside (bound into the node's mount namespace). */
export function nodeRun(env: LabEnv, node: string, path: string): string {
  return `${env.stateDir}/nodes/${node}/run${path.replace(/^\/run/, '')}`;
}

/**
 * Seconds since the lab started: the lab kernel's uptime, or, in host mode,
 * the host's uptime minus the lab's start (TIERLB_LAB_T0, which the host
 * mode sets).
 */
export function uptime(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) - LAB_T0;
}

/** The host's uptime when a lab on the host started; 0 in the lab kernel. */
export const LAB_T0 = Number(process.env.TIERLB_LAB_T0 ?? 0) || 0;

/** What the lab's times count from: the lab kernel's boot, or the start of a lab in host namespaces. */
export const SINCE = process.env.TIERLB_LAB_T0 ? 'start' : 'boot';

/** One line of progress: the host prints the progress file as it grows. */
export function progress(env: LabEnv, line: string): void {
  const text = line.split('\n').map((l) => `${uptime().toFixed(2)} ${l}`).join('\n');
  appendFileSync(`${env.logDir}/progress`, `${text}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value, for at most `ms`; undefined on timeout. */
export async function until<T>(ms: number, probe: () => Promise<T | undefined>, everyMs = 500): Promise<{ value: T | undefined; ms: number }> {
  const start = Date.now();
  for (let i = 0; i < 10000; i++) {
    const v = await probe();
    if (v !== undefined) return { value: v, ms: Date.now() - start };
    if (Date.now() - start > ms) break;
    await sleep(everyMs);
  }
  return { value: undefined, ms: Date.now() - start };
}

/** The lab as a guest program (the checks, the disruption bench) gets it on its command line. */
export function envFromArgs(): LabEnv {
  const { values: v } = parseArgs({ options: {
    site: { type: 'string' }, prefix: { type: 'string', default: '' }, state: { type: 'string' }, log: { type: 'string' },
    node: { type: 'string', default: process.execPath }, client: { type: 'string' }, smoke: { type: 'boolean', default: false },
    tierlb: { type: 'string' }, flows: { type: 'string' }, only: { type: 'string' },
  } });
  if (!v.site || !v.state || !v.log || !v.client) throw new Error('expected --site FILE --state DIR --log DIR --client FILE');
  const parsed = parseSiteText(readFileSync(v.site, 'utf8'));
  if (!parsed.ok) throw new Error(`${v.site}: ${parsed.issues.map((i) => i.message).join('; ')}`);
  return { site: asAgentsSeeIt(parsed.site), topology: labTopology(parsed.site), prefix: v.prefix, stateDir: v.state, logDir: v.log, node: v.node, client: v.client, smokeOnly: v.smoke, ...(v.only ? { only: v.only.split(',').filter(Boolean) } : {}), ...(v.tierlb ? { tierlb: v.tierlb } : {}), ...(v.flows ? { flows: v.flows } : {}) };
}

/** The site as each node's agent sees it, with the lab's per-node folders. */
function asAgentsSeeIt(parsed: Site): Site {
  let site = parsed;
  for (const n of parsed.nodes) {
    const r = overrideNode(site, n.name, labPaths(n));
    if (!r.ok) throw new Error(`node ${n.name}: ${r.reason}`);
    site = r.value;
  }
  return site;
}

/**
 * The lab as seen through another site text (one written to the running
 * nodes): its site and VIPs. The namespaces stay those the lab was built
 * with; a node the text adds has none.
 */
export function withSiteText(env: LabEnv, text: string): LabEnv {
  const parsed = parseSiteText(text);
  if (!parsed.ok) throw new Error(`the edited site does not validate: ${parsed.issues.map((i) => i.message).join('; ')}`);
  return { ...env, site: asAgentsSeeIt(parsed.site), topology: { ...env.topology, vips: allVips(parsed.site) } };
}
