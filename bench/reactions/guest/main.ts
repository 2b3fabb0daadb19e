// The reactions bench inside the lab: waits for the lab to come up, then
// repeats each signal named in LOG/reactions-options.json and writes
// LOG/reactions.json after each (a run cut short keeps what it measured).
// Started by lab/guest-script.ts in place of the checks; bundled by
// bench/reactions/main.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { checkRoutes, waitForAgents } from '../../../lab/guest/bringup.js';
import { envFromArgs, progress, uptime } from '../../../lab/guest/env.js';
import { routeMonitors } from '../../../lab/guest/reaction.js';
import { steady } from '../../disruption/guest/under-load.js';
import type { BootResult, Sample, SignalId, SignalRun } from '../samples.js';
import { readReactionsOptions } from './options.js';
import { reflectorWatch } from './reflector-watch.js';
import { disableEnable, downUp, haproxyKilled } from './signals.js';

async function main(): Promise<number> {
  const env = envFromArgs();
  const options = readReactionsOptions(readFileSync(`${env.logDir}/reactions-options.json`, 'utf8'));
  const runs: SignalRun[] = [];
  const save = (error?: string): void => {
    const result: BootResult = { speaker: options.speaker, runs, ...(error !== undefined ? { error } : {}) };
    writeFileSync(`${env.logDir}/reactions.json`, JSON.stringify(result, null, 2));
  };
  const { check } = await waitForAgents(env);
  const routes = await checkRoutes(env, new Set(env.topology.nodes.map((n) => n.name)));
  progress(env, `lab up at ${uptime().toFixed(1)} s: ${check.detail}; ${routes.detail}`);
  const st = await steady(env);
  if (!st.ok) { save(`no steady state within 180 s: ${st.detail}`); return 1; }
  const watches = { routes: routeMonitors(env), reflectors: reflectorWatch(env) };
  const wants = (id: SignalId): boolean => options.signals.includes(id);
  const add = (signal: SignalId, speaker: SignalRun['speaker'], samples: Sample[], notes: string[] = []): void => {
    runs.push({ signal, speaker, samples, notes });
    save();
  };
  try {
    if (wants('l4-disable') || wants('l4-enable')) {
      progress(env, `disable and enable of an L4 node, ${options.reps} times (speaker ${options.speaker})`);
      const r = await disableEnable(env, watches, options.reps);
      if (wants('l4-disable')) add('l4-disable', options.speaker, r.disable, r.notes);
      if (wants('l4-enable')) add('l4-enable', options.speaker, r.enable);
    }
    if (wants('l7-down') || wants('l7-up')) {
      progress(env, `down and up in an L7 node's agent-check, ${options.reps} times`);
      const r = await downUp(env, options.reps);
      if (wants('l7-down')) add('l7-down', 'any', r.down);
      if (wants('l7-up')) add('l7-up', 'any', r.up);
    }
    if (wants('haproxy-killed')) {
      progress(env, `an L7 node's HAProxy killed, ${options.reps} times`);
      const r = await haproxyKilled(env, options.reps);
      add('haproxy-killed', 'any', r.killed, r.notes);
    }
  } catch (e) {
    save((e as Error).message);
    progress(env, `error: ${(e as Error).message}`);
    return 1;
  } finally {
    watches.routes.stop();
    watches.reflectors.stop();
  }
  progress(env, `logs of every agent and daemon: ${env.logDir}`);
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`reactions bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 70;
});
