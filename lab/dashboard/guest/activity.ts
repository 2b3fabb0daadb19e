// The activity the dashboard picture shows: the users' downloads all along
// (the lab's flows client: IPVS connections, tunnel traffic), and the
// maintenance steps of activity-plan.ts, each stamped by the kernel's time of
// the file's change (a marker on the charts) and followed by one round of
// short requests from the users, as the lab's maintenance checks make.
import { spawn } from 'node:child_process';
import { userRequests } from '../../guest/bringup.js';
import { progress, sleep, type LabEnv } from '../../guest/env.js';
import { request } from '../../guest/observe.js';
import { nsArgs, operatorEdit } from '../../guest/reaction.js';
import { slowTargets } from '../../guest/slow-targets.js';
import { BASELINE_S, TAIL_S, activitySeconds, type ActivityStep } from '../activity-plan.js';
import type { Marker } from '../model.js';

const DOWNLOAD_S = 20;
const DOWNLOADS_AT_ONCE = 16;

/** The flows client in the users' namespace until `seconds` from now: its summary line, or why there is none. */
function startDownloads(env: LabEnv, seconds: number): Promise<string> {
  if (!env.flows) return Promise.resolve('no downloads: the lab was started without the flows client');
  const deadlineMs = Math.max(0, seconds - DOWNLOAD_S - 5) * 1000;
  const flows = Math.ceil((deadlineMs / 1000 / DOWNLOAD_S) * DOWNLOADS_AT_ONCE) + DOWNLOADS_AT_ONCE;
  const args = [...nsArgs(env, 'users'), '--', env.node, env.flows, ...slowTargets(env, DOWNLOAD_S).flatMap((t) => ['--target', t]), '--sources-from-lo',
    '--flows', String(flows), '--concurrency', String(DOWNLOADS_AT_ONCE), '--idle-ms', '10000', '--deadline-ms', String(deadlineMs), '--batch', '20',
    '--json', `${env.logDir}/dashboard-flows.json`];
  return new Promise((resolve) => {
    const p = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (c: string) => { if (out.length < 1_000_000) out += c; });
    // A backstop: the client ends its own flows at its deadline plus one download and its idle bound.
    const kill = setTimeout(() => p.kill('SIGKILL'), deadlineMs + (DOWNLOAD_S + 10 + 60) * 1000);
    p.on('close', (code) => {
      clearTimeout(kill);
      try {
        const s = JSON.parse(out) as { flows: number; complete: number; broken: number; byEnd: Record<string, number> };
        resolve(`${s.flows} downloads of ${DOWNLOAD_S} s, ${DOWNLOADS_AT_ONCE} at a time: ${s.complete} complete, ${s.broken} broken (${Object.entries(s.byEnd).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')})`);
      } catch {
        resolve(`the flows client ended with status ${code} and no summary`);
      }
    });
  });
}

/** Runs the plan under the downloads; the markers of the steps that ran, unix seconds. */
export async function runActivity(env: LabEnv, steps: readonly ActivityStep[]): Promise<Marker[]> {
  const seconds = activitySeconds(steps);
  progress(env, `activity: ${seconds} s, users' downloads all along, ${steps.length} maintenance steps`);
  const downloads = startDownloads(env, seconds);
  await sleep(BASELINE_S * 1000);
  const markers: Marker[] = [];
  for (const s of steps) {
    let at = Date.now();
    try {
      at = (await operatorEdit(env, s.node, s.file, s.command)).at;
      markers.push({ at: at / 1000, text: `${s.node}# ${s.command}` });
    } catch (e) {
      progress(env, `  failed: ${(e as Error).message}`);
    }
    const answers = await request(env, userRequests(env, 24));
    const failed = answers.filter((a) => !a.ok);
    progress(env, `  users: ${answers.length - failed.length}/${answers.length} short requests answered${failed[0] ? ` (first failure: ${failed[0].error ?? failed[0].status})` : ''}`);
    await sleep(Math.max(0, at + s.waitS * 1000 - Date.now()));
  }
  await sleep(TAIL_S * 1000);
  progress(env, `  ${await downloads}`);
  return markers;
}
