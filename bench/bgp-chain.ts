// `npm run bench:bgp-chain [-- --reps N --speakers bird,gobgp --max-seconds S]`:
// what the routers' side of a BGP change costs on this host, outside the
// lab's one-CPU user-mode-linux kernel. For each L4 speaker (BIRD, gobgpd)
// it builds the chain in host network namespaces (bgp-chain/chain.ts: the
// site's routers and reflectors, an L4 node driven by the agent's speaker
// code, a second one that keeps announcing), repeats graceful shutdown,
// withdraw and announce of a VIP, and times each from the call to the
// speaker's answer, the reflectors' receipt, the first and every router's
// kernel route. Prints progress, then the p50 / p99 table, written with the
// raw samples to bench/results/bgp-chain-*.{md,json}. Namespaces and daemons
// go on exit, on an error and on Ctrl-C.
import { stopOnInterrupt } from './common/interrupt.js';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join, relative } from 'node:path';
import { formatIssue, parseSiteText } from '../site/index.js';
import { REPO } from '../test/helpers/site.js';
import { withSpeaker, type Speaker } from './reactions/speaker-site.js';
import { daemonVersions, startChain, type Chain } from './bgp-chain/chain.js';
import { parseChainOptions, USAGE } from './bgp-chain/options.js';
import { chainTable, resultBase } from './bgp-chain/report.js';
import type { ActionRun } from './bgp-chain/samples.js';
import { actionFigures } from './bgp-chain/stats.js';
import { repeatActions } from './bgp-chain/steps.js';

/** Left at the end of the time bound for the last clean-up. */
const STOP_RESERVE_MS = 30000;

async function main(): Promise<number> {
  const o = parseChainOptions(process.argv.slice(2), { site: join(REPO, 'lab', 'site.yaml'), out: join(REPO, 'bench', 'results') });
  if (o.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const t0 = Date.now();
  const startedAt = new Date(t0);
  // Others may share the machine: what ran beside the bench is part of its result.
  const loadAtStart = loadavg()[0] ?? NaN;
  const deadline = t0 + o.maxSeconds * 1000 - STOP_RESERVE_MS;
  const say = (line: string): void => { process.stdout.write(`[bgp-chain ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`); };
  const siteText = await readFile(o.site, 'utf8');
  const dir = await mkdtemp(join(tmpdir(), 'tlbc-'));
  const interrupt = stopOnInterrupt(dir, say);

  const runs: ActionRun[] = [];
  const notes: string[] = [];
  try {
    for (const [i, speaker] of o.speakers.entries()) {
      // Each speaker gets an equal share of the time left.
      const until = Date.now() + (deadline - Date.now()) / (o.speakers.length - i);
      const r = await oneSpeaker(speaker, { siteText, dir: join(dir, speaker), reps: o.reps, until, say, onStop: (stop) => interrupt.stopWith(stop) });
      interrupt.stopWith(undefined);
      runs.push(...r.runs);
      notes.push(...r.notes);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const took = (Date.now() - t0) / 1000;
  const where = `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${Math.round(totalmem() / 2 ** 20)} MB, ${osType()} ${release()}; this host's kernel, each node in its own network namespace on one bridge (no user-mode-linux); load average ${loadAtStart.toFixed(2)} at the start, ${(loadavg()[0] ?? NaN).toFixed(2)} at the end. Daemons: ${await daemonVersions()}. Site: ${relative(REPO, o.site)} with bgp.speaker set per run (${o.reps} repetitions asked); the measured node is its first L4 node, the second keeps announcing.`;
  const figures = runs.map(actionFigures);
  const md = chainTable({ startedAt: startedAt.toISOString(), where, figures, notes, tookSeconds: took });
  await mkdir(o.out, { recursive: true });
  const base = join(o.out, resultBase(startedAt));
  await writeFile(`${base}.md`, md);
  await writeFile(`${base}.json`, `${JSON.stringify({ startedAt: startedAt.toISOString(), where, options: o, tookSeconds: took, figures, runs, notes }, null, 2)}\n`);
  process.stdout.write(`\n${md}\n`);
  say(`written: ${relative(REPO, base)}.md and .json`);
  const incomplete = figures.filter((f) => f.reps < o.reps);
  return notes.length > 0 || incomplete.length > 0 ? 1 : 0;
}

interface SpeakerRun {
  readonly siteText: string;
  readonly dir: string;
  readonly reps: number;
  readonly until: number;
  readonly say: (line: string) => void;
  readonly onStop: (stop: () => Promise<void>) => void;
}

/** One speaker's chain, built, measured and removed; an error ends this speaker's run with a note, not the bench. */
async function oneSpeaker(speaker: Speaker, r: SpeakerRun): Promise<{ runs: readonly ActionRun[]; notes: readonly string[] }> {
  const text = withSpeaker(r.siteText, speaker);
  const parsed = parseSiteText(text);
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => formatIssue(i)).join('\n'));
  await mkdir(r.dir, { recursive: true });
  const siteFile = join(r.dir, 'site.yaml');
  await writeFile(siteFile, text);
  r.say(`${speaker}: building the chain in network namespaces`);
  let chain: Chain | undefined;
  try {
    const t = Date.now();
    chain = await startChain({ site: parsed.site, siteFile, dir: r.dir, say: r.say, onStop: r.onStop });
    r.say(`${speaker}: chain up in ${((Date.now() - t) / 1000).toFixed(1)} s (sessions established, routers routing ${chain.vip} through both L4 nodes); ${r.reps} repetitions of graceful shutdown, withdraw, announce`);
    return await repeatActions(chain, speaker, r.reps, r.until, r.say);
  } catch (error) {
    r.say(`${speaker}: ${(error as Error).message}`);
    return { runs: [], notes: [`${speaker}: the chain did not come up: ${(error as Error).message}`] };
  } finally {
    await chain?.stop();
    r.say(`${speaker}: namespaces and daemons removed`);
  }
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bench:bgp-chain: ${(err as Error).message}\n`);
  process.exitCode = 2;
});
