import { describe, expect, it } from 'vitest';
import {
  findRunningMaster, haproxySpec, isRunningProcess, parseShowProc, reloadHaproxy, reloadProgress, softStopHaproxy,
  type HaproxyCli, type ProcessProbe, type ReloadDeps, type Timer,
} from './daemon.js';
import type { HaproxyPaths } from '../../../tiers/l7/paths.js';

/** `show proc` as HAProxy 2.6 prints it (columns padded with spaces). */
const showProc = (o: { master?: number; reloads: number; failed?: number; workers: number[]; old?: number[] }): string => [
  '#<PID>          <type>          <reloads>       <uptime>        <version>      ',
  `${o.master ?? 100}             master          ${o.reloads} [failed: ${o.failed ?? 0}]   0d00h00m26s     2.6.12-1+deb12u4`,
  '# workers',
  ...o.workers.map((w) => `${w}             worker          ${o.reloads}               0d00h00m02s     2.6.12-1+deb12u4`),
  '# old workers',
  ...(o.old ?? []).map((w) => `${w}             worker          1               0d00h00m20s     2.6.12-1+deb12u4`),
  '# programs',
  '',
].join('\n');

const STATE = '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state\n3 be_web 1 srv-1 10.0.2.41 2\n';

/** A clock that only moves when slept on. */
function fakeClock(): Timer & { slept: number } {
  let t = 0;
  return {
    slept: 0,
    now: () => t,
    async sleep(ms) { t += ms; this.slept += ms; },
  };
}

/** A CLI answering from a list, repeating the last answer. */
function scripted(answers: (string | Error)[]): HaproxyCli & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async command(line) {
      calls.push(line);
      const a = answers.length > 1 ? answers.shift() : answers[0];
      if (a instanceof Error) throw a;
      return a ?? '';
    },
  };
}

function reloadDeps(over: Partial<ReloadDeps> & { procs: (string | Error)[] }): ReloadDeps & { written: Map<string, string>; signals: string[] } {
  const written = new Map<string, string>();
  const signals: string[] = [];
  return {
    signal: (s) => { signals.push(s); return true; },
    runtime: scripted([STATE]),
    master: scripted(over.procs),
    stateFile: '/state/haproxy.state',
    carry: (state) => state,
    writeFile: async (p, c) => { written.set(p, c); },
    clock: fakeClock(),
    ...over,
    written,
    signals,
  };
}

describe('parseShowProc', () => {
  it('reads the master, its reload and failure counts, workers and old workers', () => {
    expect(parseShowProc(showProc({ master: 10484, reloads: 2, failed: 1, workers: [10600], old: [10500, 10501] }))).toEqual({
      master: 10484, reloads: 2, failed: 1, workers: [10600], oldWorkers: [10500, 10501],
    });
  });

  it('reads a master with no old workers section content', () => {
    expect(parseShowProc(showProc({ reloads: 0, workers: [101] }))).toMatchObject({ reloads: 0, workers: [101], oldWorkers: [] });
  });

  it('gives undefined for anything that is not show proc (an error, an empty answer)', () => {
    expect(parseShowProc('')).toBeUndefined();
    expect(parseShowProc('Unknown command: \'show proc\'\n')).toBeUndefined();
  });
});

describe('haproxySpec', () => {
  const paths: HaproxyPaths = { config: '/c/haproxy.cfg', adminSocket: '/r/haproxy.sock', masterSocket: '/r/m.sock', pidFile: '/r/haproxy.pid', stateFile: '/s/haproxy.state' };

  it('runs master-worker in the foreground with the master CLI, and no -p (the config has pidfile)', () => {
    const spec = haproxySpec(paths);
    expect(spec.args).toEqual(['-W', '-db', '-f', '/c/haproxy.cfg', '-S', '/r/m.sock,mode,600']);
    expect(spec.outlivesAgent).toBe(true);
  });

  it('adopts a previous master: listeners from its admin socket, then -sf to let it finish', () => {
    expect(haproxySpec(paths, { adoptPid: 4242 }).args.slice(-4)).toEqual(['-x', '/r/haproxy.sock', '-sf', '4242']);
  });
});

describe('findRunningMaster', () => {
  const probe = (files: Record<string, string>): ProcessProbe => ({ readText: async (p) => files[p] });
  const alive = (pid: number, state = 'S', comm = 'haproxy') => ({
    [`/proc/${pid}/comm`]: `${comm}\n`,
    [`/proc/${pid}/stat`]: `${pid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1`,
  });

  it('returns the pid in the pid file when that process is a running haproxy', async () => {
    expect(await findRunningMaster('/r/haproxy.pid', probe({ '/r/haproxy.pid': '4242\n', ...alive(4242) }))).toBe(4242);
  });

  it('ignores a missing pid file, garbage, pid 1 and pids that are gone', async () => {
    expect(await findRunningMaster('/r/p', probe({}))).toBeUndefined();
    expect(await findRunningMaster('/r/p', probe({ '/r/p': 'not a pid\n' }))).toBeUndefined();
    expect(await findRunningMaster('/r/p', probe({ '/r/p': '1\n', ...alive(1) }))).toBeUndefined();
    expect(await findRunningMaster('/r/p', probe({ '/r/p': '4242\n' }))).toBeUndefined();
  });

  it('ignores a pid reused by another program and a zombie master', async () => {
    expect(await findRunningMaster('/r/p', probe({ '/r/p': '4242', ...alive(4242, 'S', 'nginx') }))).toBeUndefined();
    expect(await findRunningMaster('/r/p', probe({ '/r/p': '4242', ...alive(4242, 'Z') }))).toBeUndefined();
  });

  it('reads the state after the last parenthesis, even when the name holds one', async () => {
    const files = { '/proc/7/comm': 'haproxy\n', '/proc/7/stat': '7 (hap) roxy) R 1 7 7' };
    expect(await isRunningProcess(7, 'haproxy', probe(files))).toBe(true);
  });
});

describe('reloadHaproxy', () => {
  it('saves the servers state, signals SIGUSR2 and reports the new worker', async () => {
    const deps = reloadDeps({ procs: [showProc({ reloads: 0, workers: [201] }), showProc({ reloads: 0, workers: [201] }), showProc({ reloads: 1, workers: [202], old: [201] })] });
    const r = await reloadHaproxy(deps);
    expect(r).toMatchObject({ kind: 'reloaded', workers: [202], previous: [201] });
    expect(deps.written.get('/state/haproxy.state')).toBe(STATE);
    expect(deps.signals).toEqual(['SIGUSR2']);
  });

  it('writes the state as carried over for the new config', async () => {
    const deps = reloadDeps({ carry: (state) => `${state}# carried\n`, procs: [showProc({ reloads: 0, workers: [201] }), showProc({ reloads: 1, workers: [202] })] });
    await reloadHaproxy(deps);
    expect(deps.written.get('/state/haproxy.state')).toBe(`${STATE}# carried\n`);
  });

  it('waits through the moment the re-executing master refuses its socket', async () => {
    const deps = reloadDeps({ procs: [showProc({ reloads: 0, workers: [201] }), new Error('ECONNREFUSED'), showProc({ reloads: 1, workers: [202] })] });
    expect(await reloadHaproxy(deps)).toMatchObject({ kind: 'reloaded', workers: [202] });
  });

  it('reports a config HAProxy refused: the reload counted as failed, the old worker kept', async () => {
    const deps = reloadDeps({ procs: [showProc({ reloads: 0, workers: [201] }), showProc({ reloads: 1, failed: 1, workers: [201] })] });
    expect(await reloadHaproxy(deps)).toMatchObject({ kind: 'rejected' });
  });

  it('does not reload when the state cannot be saved: drained servers would come back', async () => {
    const deps = reloadDeps({ procs: [showProc({ reloads: 0, workers: [201] })], runtime: scripted(['Unknown command\n']) });
    expect(await reloadHaproxy(deps)).toMatchObject({ kind: 'failed', stage: 'save-state' });
    expect(deps.signals).toEqual([]);
    const unwritable = reloadDeps({ procs: [showProc({ reloads: 0, workers: [201] })], writeFile: async () => { throw new Error('EROFS'); } });
    expect(await reloadHaproxy(unwritable)).toMatchObject({ kind: 'failed', stage: 'save-state' });
    expect(unwritable.signals).toEqual([]);
  });

  it('fails before anything when the master CLI does not answer', async () => {
    const deps = reloadDeps({ procs: [new Error('ENOENT')] });
    expect(await reloadHaproxy(deps)).toMatchObject({ kind: 'failed', stage: 'show-proc' });
    expect(deps.signals).toEqual([]);
  });

  it('fails when the master is not running to be signalled', async () => {
    const deps = reloadDeps({ procs: [showProc({ reloads: 0, workers: [201] })], signal: () => false });
    expect(await reloadHaproxy(deps)).toMatchObject({ kind: 'failed', stage: 'signal' });
  });

  it('times out, bounded, when no new worker appears', async () => {
    const clock = fakeClock();
    const deps = reloadDeps({ procs: [showProc({ reloads: 0, workers: [201] })], clock });
    const r = await reloadHaproxy(deps, { timeoutMs: 500, pollMs: 100 });
    expect(r).toMatchObject({ kind: 'timeout', before: { reloads: 0, workers: [201] }, last: { workers: [201] } });
    expect(clock.slept).toBeLessThanOrEqual(500);
  });
});

describe('reloadProgress', () => {
  const before = parseShowProc(showProc({ reloads: 3, workers: [201] }));
  if (!before) throw new Error('expected a show proc');
  it('says nothing while the master has not re-executed, or does not answer', async () => {
    expect(await reloadProgress(scripted([showProc({ reloads: 3, workers: [201] })]), before, 12000)).toBeUndefined();
    expect(await reloadProgress(scripted([new Error('ECONNREFUSED')]), before, 12000)).toBeUndefined();
  });

  it('reports the new workers once they show, or the refusal', async () => {
    expect(await reloadProgress(scripted([showProc({ reloads: 4, workers: [305], old: [201] })]), before, 12000)).toEqual({ kind: 'reloaded', workers: [305], previous: [201], ms: 12000 });
    expect(await reloadProgress(scripted([showProc({ reloads: 4, failed: 1, workers: [201] })]), before, 12000)).toMatchObject({ kind: 'rejected' });
  });
});

describe('softStopHaproxy', () => {
  function master(exitAfterMs: number | null, clock: Timer, onTerm: 'exits' | 'ignores' = 'exits') {
    const signals: string[] = [];
    let terminated = false;
    return {
      signals,
      deps: {
        clock,
        signal: (s: NodeJS.Signals) => { signals.push(s); if (s === 'SIGTERM' && onTerm === 'exits') terminated = true; return true; },
        isRunning: async () => !terminated && (exitAfterMs === null || clock.now() < exitAfterMs),
      },
    };
  }

  it('sends SIGUSR1 and waits for the connections to finish', async () => {
    const clock = fakeClock();
    const m = master(300, clock);
    expect(await softStopHaproxy(m.deps, { graceMs: 1000 })).toMatchObject({ kind: 'finished' });
    expect(m.signals).toEqual(['SIGUSR1']);
  });

  it('sends SIGTERM once the grace has run out', async () => {
    const clock = fakeClock();
    const m = master(null, clock);
    expect(await softStopHaproxy(m.deps, { graceMs: 1000 })).toMatchObject({ kind: 'terminated' });
    expect(m.signals).toEqual(['SIGUSR1', 'SIGTERM']);
  });

  it('reports a master that survives SIGTERM, after a bounded wait', async () => {
    const clock = fakeClock();
    const m = master(null, clock, 'ignores');
    const r = await softStopHaproxy(m.deps, { graceMs: 500, terminateMs: 500 });
    expect(r).toMatchObject({ kind: 'stuck' });
    expect(clock.now()).toBeLessThanOrEqual(1100);
  });

  it('does nothing when no master runs', async () => {
    const clock = fakeClock();
    const m = master(0, clock);
    expect(await softStopHaproxy(m.deps, { graceMs: 1000 })).toEqual({ kind: 'not-running' });
    expect(m.signals).toEqual([]);
  });
});
