// `npm run bench:reactions`: how fast the explicit signals take effect end to
// end, hop by hop, with both BGP speakers in one run. Boots the lab (the
// user-mode-linux kernel here) once per speaker, the site's bgp.speaker set
// to each in turn; inside, bench/reactions/guest/main.ts repeats each signal
// and times its hops. Prints progress, then the table (p50 and p99 per hop),
// written with the raw samples to bench/results/reactions-*.{md,json}.
// The L7 signals do not depend on the speaker: they run on the first boot.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_DIR, bundleGuestPrograms, bundleLab, REPO } from '../../lab/bundle.js';
import { follow } from '../../lab/follow.js';
import { guestScript, LAB_MODULES } from '../../lab/guest-script.js';
import { prepareLabSite } from '../../lab/site-file.js';
import { runInUml } from '../../lab/uml/run.js';
import { reactionsTable } from './report.js';
import { MAX_REPS } from './guest/options.js';
import { SIGNALS, type BootResult, type SignalId } from './samples.js';
import { signalFigures } from './stats.js';
import { SPEAKERS, withSpeaker } from './speaker-site.js';

const BGP_SIGNALS: readonly SignalId[] = ['l4-disable', 'l4-enable'];
const USAGE = `usage: npm run bench:reactions -- [--site FILE] [--reps N (1-${MAX_REPS}, default 20)] [--speakers gobgp,bird] [--signals ${SIGNALS.map((s) => s.id).join(',')}] [--out DIR]`;

function listOf<T extends string>(name: string, text: string, known: readonly T[]): T[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !known.includes(s as T));
  if (items.length === 0 || bad.length > 0) throw new Error(`${name}: expected a comma-separated list among ${known.join(', ')}, got ${JSON.stringify(text)}`);
  return [...new Set(items)] as T[];
}

async function main(): Promise<number> {
  const { values: v } = parseArgs({ options: {
    site: { type: 'string', default: join(REPO, 'lab', 'site.yaml') }, reps: { type: 'string', default: '20' },
    speakers: { type: 'string', default: SPEAKERS.join(',') }, signals: { type: 'string', default: SIGNALS.map((s) => s.id).join(',') },
    out: { type: 'string', default: join(REPO, 'bench', 'results') }, help: { type: 'boolean', default: false },
  } });
  if (v.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const reps = Number(v.reps);
  if (!/^\d+$/.test(v.reps) || reps < 1 || reps > MAX_REPS) throw new Error(`--reps: expected a whole number from 1 to ${MAX_REPS}, got ${JSON.stringify(v.reps)}`);
  const speakers = listOf('--speakers', v.speakers, SPEAKERS);
  const signals = listOf('--signals', v.signals, SIGNALS.map((s) => s.id));
  const t0 = Date.now();
  const startedAt = new Date();
  const say = (line: string): void => { process.stdout.write(`[reactions ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`); };
  const runDir = join(REPO, '.lab-runs', `reactions-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(runDir, { recursive: true });
  const siteText = await readFile(v.site.startsWith('/') ? v.site : join(process.cwd(), v.site), 'utf8');

  const lab = await bundleLab();
  await bundleGuestPrograms({ reactions: join(REPO, 'bench', 'reactions', 'guest', 'main.ts') });
  const boots: BootResult[] = [];
  const notes: string[] = [];
  let failed = false;
  for (const [i, speaker] of speakers.entries()) {
    // The L7 signals do not involve BGP: once, on the first boot.
    const mine = signals.filter((s) => BGP_SIGNALS.includes(s) || i === 0);
    if (mine.length === 0) continue;
    const siteFile = join(runDir, `site-${speaker}.yaml`);
    await writeFile(siteFile, withSpeaker(siteText, speaker));
    const labSite = await prepareLabSite(siteFile);
    if (labSite === undefined) return 2;
    const logDir = join(runDir, `logs-${speaker}`);
    await mkdir(logDir, { recursive: true });
    await writeFile(join(logDir, 'reactions-options.json'), JSON.stringify({ speaker, reps, signals: mine }));
    const script = guestScript(labSite.topology, {
      prefix: '', stateDir: '/run/tierlb-lab', logDir, node: process.execPath, siteFile,
      ...lab, checks: join(BUNDLE_DIR, 'reactions.mjs'),
    }, { shell: false, checks: true });
    say(`boot ${i + 1}/${speakers.length}: speaker ${speaker}; ${mine.join(', ')}, ${reps} times each; logs in ${logDir}`);
    const stop = follow(join(logDir, 'progress'), (line) => say(`guest ${line}`));
    const run = await runInUml(script, { modules: LAB_MODULES, memMb: 3072, shareDir: runDir, timeoutMs: (600 + reps * mine.length * 20) * 1000 });
    await stop();
    const file = join(logDir, 'reactions.json');
    if (!existsSync(file)) {
      say(`the lab ended without results (status ${run.exitCode}); guest output ends with:\n${run.output.slice(-3000)}`);
      notes.push(`speaker ${speaker}: the lab ended without results (status ${run.exitCode}); logs in ${logDir}`);
      failed = true;
      continue;
    }
    const boot = JSON.parse(await readFile(file, 'utf8')) as BootResult;
    boots.push(boot);
    if (boot.error !== undefined || run.exitCode !== 0) { failed = true; notes.push(`speaker ${speaker}: ${boot.error ?? `the guest exited ${run.exitCode}`}; logs in ${logDir}`); }
    for (const r of boot.runs) for (const n of r.notes) notes.push(`${r.signal} (${r.speaker}): ${n}`);
  }

  const figures = boots.flatMap((b) => b.runs).map(signalFigures);
  const where = `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${Math.round(totalmem() / 2 ** 20)} MB, ${osType()} ${release()}; the lab runs in a user-mode-linux guest with one CPU and 3 GB (one boot per speaker). Site: ${v.site.replace(`${REPO}/`, '')} with bgp.speaker set per boot; ${reps} repetitions per signal.`;
  const md = reactionsTable({ startedAt: startedAt.toISOString(), where, figures, notes });
  await mkdir(v.out, { recursive: true });
  const base = join(v.out, `reactions-${startedAt.toISOString().replace(/:\d\d\.\d+Z$/, 'Z').replace(':', '')}`);
  await writeFile(`${base}.md`, md);
  await writeFile(`${base}.json`, `${JSON.stringify({ startedAt: startedAt.toISOString(), where, figures, boots, runDir }, null, 2)}\n`);
  process.stdout.write(`\n${md}\n`);
  say(`table: ${base}.md; raw samples: ${base}.json; logs: ${runDir}`);
  const incomplete = figures.filter((f) => f.complete < f.reps);
  say(`reactions bench finished: ${figures.length} signal runs, ${incomplete.length} with repetitions that never took effect`);
  return failed || incomplete.length > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`bench:reactions: ${(err as Error).message}\n`);
  process.exitCode = 2;
});
