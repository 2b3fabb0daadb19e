// The disruption bench inside the lab: waits for the lab to come up, then
// runs the scenarios named in LOG/bench-options.json one after the other,
// each from a steady state, and writes LOG/disruption.json after each one
// (so a run cut short keeps what it measured). Exits 0 only if every
// scenario met its targets. Started by lab/guest-script.ts in place of the
// checks, with the flows client (bench/flows) as its --client; bundled by
// bench/disruption/main.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { checkRoutes, waitForAgents } from '../../../lab/guest/bringup.js';
import { envFromArgs, progress, uptime } from '../../../lab/guest/env.js';
import type { ScenarioResult } from '../result.js';
import { SCENARIOS, type LoadOptions } from './scenarios.js';

export interface BenchOptions extends LoadOptions {
  /** Scenario ids to run, in order. */
  readonly scenarios: readonly string[];
}


export function readBenchOptions(text: string): BenchOptions {
  const o = JSON.parse(text) as Partial<BenchOptions>;
  const known = new Set(SCENARIOS.map((s) => s.id));
  const int = (k: keyof LoadOptions, min: number, max: number): number => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) throw new Error(`bench options: expected ${k} from ${min} to ${max}, got ${JSON.stringify(x)}`);
    return x;
  };
  const scenarios = Array.isArray(o.scenarios) ? o.scenarios.map(String) : [];
  const unknown = scenarios.filter((s) => !known.has(s));
  if (scenarios.length === 0 || unknown.length > 0) throw new Error(`bench options: expected scenarios among ${[...known].join(', ')}, got ${JSON.stringify(o.scenarios)}`);
  return { scenarios, flows: int('flows', 1, 2000), seconds: int('seconds', 1, 600), idleMs: int('idleMs', 1000, 120000), warmupMs: int('warmupMs', 0, 120000) };
}

async function main(): Promise<number> {
  const env = envFromArgs();
  const options = readBenchOptions(readFileSync(`${env.logDir}/bench-options.json`, 'utf8'));
  const { check } = await waitForAgents(env);
  const routes = await checkRoutes(env, new Set(env.topology.nodes.map((n) => n.name)));
  progress(env, `lab up at ${uptime().toFixed(1)} s: ${check.detail}; ${routes.detail}`);
  const results: ScenarioResult[] = [];
  const save = (rows: readonly ScenarioResult[]): void => writeFileSync(`${env.logDir}/disruption.json`, JSON.stringify([...results, ...rows], null, 2));
  let done = 0;
  for (const id of options.scenarios) {
    const s = SCENARIOS.find((x) => x.id === id);
    if (!s) continue;
    // Rows of a scenario with steps, saved as each one is measured.
    const partial: ScenarioResult[] = [];
    let rows: readonly ScenarioResult[];
    try {
      rows = [await s.run(env, options, (r) => { partial.push(r); save(partial); })].flat();
    } catch (e) {
      rows = [...partial, { id: s.id, name: s.name, kind: s.kind, actions: [], flows: null, reactions: [], ok: false, notes: [], error: (e as Error).message }];
    }
    results.push(...rows);
    done++;
    for (const r of rows) progress(env, `scenario ${r.id}: ${r.ok ? 'targets met' : `targets MISSED${r.error ? ` (${r.error})` : ''}`}`);
    save([]);
  }
  progress(env, `logs of every agent and daemon: ${env.logDir}`);
  return done === options.scenarios.length && results.every((r) => r.ok) ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`disruption bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
