// The lab's checks and demo, run inside the lab once every node's agent has
// been started: bring-up, requests, DNS, `tierlb explain` against the
// kernel's choices, the maintenance contract, an L7 node blackholing a VIP
// (the checks through the tunnel), kernel state undone by hand on an L7 node
// (drift repair), the L7 nodes' MSS clamp with ICMP too-big
// dropped, the outer sources of tunnelled flows (flow entropy), the maintenance
// walk through the fleet state in etcd, the L7 features (TLS and certificate
// renewal, PROXY protocol v2, slow start, the L4 ramp), a live edit of the
// running site, then a summary. Writes results.json beside the
// logs. Run alone by `npm run lab` (main.ts), and first by the disruption
// bench when it is asked to share the lab's boot with them.
import { writeFileSync } from 'node:fs';
import { checkBgp, checkDns, checkRoutes, checkUsers, waitForAgents, type Check } from './bringup.js';
import { cpuSnapshot } from './cpu.js';
import { flowsExplained } from './flow-explain.js';
import { progress, SINCE, uptime, type LabEnv } from './env.js';
import { l7Blackhole } from './blackhole.js';
import { l7Drift } from './drift.js';
import { vipAddedLive } from './live-edit.js';
import { l4Disable, l7Down, serverDrain } from './maintenance.js';
import { mssClamp } from './mss.js';
import { flowEntropy } from './flow-entropy.js';
import { fleetWalk } from './fleet.js';
import { l7Features } from './l7-features.js';

/**
 * The demo's steps in the order they run, by the names `npm run lab -- --only`
 * takes. The live edit last: it changes every node's site file (and puts it
 * back).
 */
const DEMO: Readonly<Record<string, (env: LabEnv, up: Set<string>) => Promise<Check[]>>> = {
  explain: flowsExplained, 'l4-disable': l4Disable, 'l7-down': l7Down, 'server-drain': serverDrain,
  blackhole: l7Blackhole, drift: l7Drift, mss: mssClamp, entropy: flowEntropy, fleet: fleetWalk, 'l7-features': l7Features, 'live-edit': vipAddedLive,
};

export function summary(checks: readonly Check[]): string[] {
  const width = Math.min(90, Math.max(...checks.map((c) => c.name.length)));
  return [
    `${'check'.padEnd(width)}  result  detail`,
    ...checks.map((c) => `${c.name.padEnd(width)}  ${c.ok ? 'pass  ' : 'FAIL  '}  ${c.detail}`),
    `${checks.filter((c) => c.ok).length}/${checks.length} checks passed`,
  ];
}

/** Every check of the lab, in order; the summary printed and results.json written. True when every check passed. */
export async function runLabChecks(env: LabEnv): Promise<boolean> {
  const unknown = (env.only ?? []).filter((n) => !(n in DEMO));
  if (unknown.length > 0) throw new Error(`--only: expected demo steps among ${Object.keys(DEMO).join(', ')}, got ${unknown.join(', ')}`);
  const checks: Check[] = [];
  const { up, check } = await waitForAgents(env);
  checks.push(check);
  checks.push(await checkBgp(env, up));
  checks.push(await checkRoutes(env, up));
  checks.push(await checkUsers(env));
  checks.push(await checkDns(env, up));
  const upAt = uptime();
  progress(env, `lab up with smoke checks done at ${upAt.toFixed(1)} s after ${SINCE}`);
  writeFileSync(`${env.logDir}/cpu-up.txt`, cpuSnapshot(`CPU time up to the smoke checks' end (${upAt.toFixed(1)} s after ${SINCE})`));
  progress(env, `CPU time per process up to here: ${env.logDir}/cpu-up.txt`);
  const demo = env.smokeOnly ? [] : Object.entries(DEMO).filter(([n]) => env.only === undefined || env.only.includes(n));
  for (const [, step] of demo) checks.push(...await step(env, up));
  progress(env, 'summary:');
  for (const l of summary(checks)) progress(env, `  ${l}`);
  writeFileSync(`${env.logDir}/results.json`, JSON.stringify({ upAtSeconds: upAt, endAtSeconds: uptime(), checks }, null, 2));
  return checks.every((c) => c.ok);
}
