// The disruption bench inside the lab: waits for the lab to come up, then
// runs the scenarios named in LOG/bench-options.json one after the other,
// each from a steady state, and writes LOG/disruption.json after each one
// (so a run cut short keeps what it measured). Exits 0 only if every
// scenario met its targets. Started by lab/guest-script.ts in place of the
// checks, with the flows client (bench/flows) as its --client; bundled by
// bench/disruption/main.ts. With `labChecks` the lab's own checks and demo
// run first on the same boot (results.json), as `npm run lab` runs them.
import { readFileSync, writeFileSync } from 'node:fs';
import { checkRoutes, waitForAgents } from '../../../lab/guest/bringup.js';
import { runLabChecks } from '../../../lab/guest/checks.js';
import { envFromArgs, progress, uptime } from '../../../lab/guest/env.js';
import type { ScenarioResult } from '../result.js';
import { readBenchOptions } from './options.js';
import { SCENARIOS } from './scenarios.js';

async function main(): Promise<number> {
  const env = envFromArgs();
  const options = readBenchOptions(readFileSync(`${env.logDir}/bench-options.json`, 'utf8'), SCENARIOS.map((x) => x.id));
  // The scenarios run whatever the checks found: each waits for its own steady state.
  const labOk = options.labChecks ? await runLabChecks({ ...env, client: options.labChecks.client }) : true;
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
  return labOk && done === options.scenarios.length && results.every((r) => r.ok) ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`disruption bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
