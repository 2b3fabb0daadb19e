import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO } from '../../test/helpers/site.js';
import { systemClock } from '../ports/clock.js';
import { nextDelay } from './backoff.js';
import { Supervisor, type DaemonEvent, type DaemonSpec } from './supervisor.js';

const FAKE = join(REPO, 'test', 'fixtures', 'fake-daemon.mjs');
const spec = (name: string, ...args: string[]): DaemonSpec => ({ name, command: process.execPath, args: [FAKE, ...args], stopTimeoutMs: 500 });

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function waitFor<T>(what: string, get: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Supervisor', () => {
  const events: DaemonEvent[] = [];
  let sup = new Supervisor(systemClock, (e) => events.push(e), { initialMs: 50, maxMs: 200, resetAfterMs: 10000 });
  afterEach(async () => {
    await sup.stopAll();
    events.length = 0;
    sup = new Supervisor(systemClock, (e) => events.push(e), { initialMs: 50, maxMs: 200, resetAfterMs: 10000 });
  });

  it('restarts a daemon that was killed', async () => {
    sup.start(spec('d', 'run'));
    const first = await waitFor('first pid', () => sup.pid('d'));
    process.kill(first, 'SIGKILL');
    const second = await waitFor('a new pid', () => { const p = sup.pid('d'); return p !== first ? p : undefined; });
    expect(second).not.toBe(first);
    expect(sup.restarts('d')).toBe(1);
    expect(events.some((e) => e.kind === 'exited' && e.signal === 'SIGKILL')).toBe(true);
  });

  it('backs off between restarts of a daemon that keeps exiting', async () => {
    sup.start(spec('crash', 'exit', '3'));
    await waitFor('three exits', () => (events.filter((e) => e.kind === 'exited').length >= 3 ? true : undefined));
    const delays = events.flatMap((e) => (e.kind === 'exited' ? [e.restartInMs] : []));
    expect(delays.slice(0, 3)).toEqual([50, 100, 200]);
  });

  it('starts with restartArgs after the first run (an adoption must not signal the old pid again)', async () => {
    sup.start({ ...spec('adopt', 'exit', '3'), restartArgs: [FAKE, 'run'] });
    await waitFor('the restart', () => (sup.restarts('adopt') === 1 ? true : undefined));
    const pid = await waitFor('a running pid', () => sup.list().find((d) => d.name === 'adopt' && d.pid !== null)?.pid ?? undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(sup.list().find((d) => d.name === 'adopt')?.pid).toBe(pid);
    expect(sup.restarts('adopt')).toBe(1);
  }, 15000);

  it('lets a daemon end without a restart after stopRestarting, and stop() then just removes it', async () => {
    sup.start(spec('soft', 'run'));
    const pid = await waitFor('pid', () => sup.pid('soft'));
    // Signalled before its handler is set, the fake dies of the signal instead of exiting.
    await waitFor('ready', () => events.find((e) => e.kind === 'output' && e.line.startsWith('ready')));
    sup.stopRestarting('soft');
    expect(sup.signal('soft', 'SIGTERM')).toBe(true);
    await waitFor('the exit', () => (sup.list().find((d) => d.name === 'soft')?.pid === null ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(events.filter((e) => e.kind === 'started')).toHaveLength(1);
    expect(isAlive(pid)).toBe(false);
    await sup.stop('soft');
    expect(sup.list()).toEqual([]);
  }, 15000);

  it('forwards the daemon output line by line', async () => {
    sup.start(spec('talk', 'run'));
    await waitFor('ready line', () => events.find((e) => e.kind === 'output' && e.line.startsWith('ready')));
  });

  it('kills with SIGKILL a daemon that ignores SIGTERM, leaving no orphan', async () => {
    sup.start(spec('stubborn', 'ignore-term'));
    await waitFor('ready', () => events.find((e) => e.kind === 'output' && e.line.startsWith('ready')));
    const pid = sup.pid('stubborn') as number;
    await sup.stop('stubborn');
    expect(isAlive(pid)).toBe(false);
    expect(events.at(-1)).toEqual({ kind: 'stopped', name: 'stubborn' });
  });

  it('stops daemons in the reverse order of their start', async () => {
    sup.start(spec('first', 'run'));
    sup.start(spec('second', 'run'));
    await waitFor('both', () => (sup.pid('first') && sup.pid('second') ? true : undefined));
    await sup.stopAll();
    expect(events.filter((e) => e.kind === 'stopped').map((e) => e.name)).toEqual(['second', 'first']);
  });
});

describe('nextDelay', () => {
  const rule = { initialMs: 100, maxMs: 1000, resetAfterMs: 5000 };
  it('starts at the initial delay', () => expect(nextDelay(undefined, 0, rule)).toBe(100));
  it('doubles up to the maximum', () => expect(nextDelay(800, 10, rule)).toBe(1000));
  it('resets after a run longer than resetAfter', () => expect(nextDelay(1000, 6000, rule)).toBe(100));

});

describe('Supervisor with a log folder', () => {
  const events: DaemonEvent[] = [];
  it('writes the output of a daemon that outlives the agent to its log file, in its own process group', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-sup-'));
    const own = new Supervisor(systemClock, (e) => events.push(e), { initialMs: 50, maxMs: 200, resetAfterMs: 10000 }, join(dir, 'logs'));
    try {
      own.start({ ...spec('keeper', 'run'), outlivesAgent: true });
      const pid = await waitFor('pid', () => own.pid('keeper'));
      const log = await waitFor('the log line', () => {
        const text = readFileSync(join(dir, 'logs', 'keeper.log'), { encoding: 'utf8', flag: 'a+' });
        return text.includes('ready') ? text : undefined;
      });
      expect(log).toContain(`ready ${pid}`);
      expect(events.some((e) => e.kind === 'output' && e.name === 'keeper')).toBe(false);
      // Its own group: a signal to the agent's group does not reach it.
      const pgid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
      expect(pgid).toBe(pid);
    } finally {
      await own.stopAll();
    }
  });
});

describe('Supervisor adopting a daemon a previous agent left running', () => {
  const events: DaemonEvent[] = [];
  const sup = new Supervisor(systemClock, (e) => events.push(e), { initialMs: 50, maxMs: 200, resetAfterMs: 10000 });
  const leftBehind = (): number => {
    const child = spawn(process.execPath, [FAKE, 'run'], { detached: true, stdio: 'ignore' });
    child.unref();
    return child.pid as number;
  };
  afterEach(async () => { await sup.stopAll(); events.length = 0; });

  it('does not start a second one while it lives, and starts its own once it is gone', async () => {
    const old = leftBehind();
    expect(sup.adopt(spec('kept', 'run'), old)).toBe(true);
    expect(sup.pid('kept')).toBe(old);
    expect(sup.list()).toEqual([{ name: 'kept', pid: old, restarts: 0 }]);
    expect(events.some((e) => e.kind === 'started')).toBe(false);
    process.kill(old, 'SIGKILL');
    const own = await waitFor('its own daemon', () => { const p = sup.pid('kept'); return p !== undefined && p !== old ? p : undefined; });
    expect(events.find((e) => e.kind === 'started')).toEqual({ kind: 'started', name: 'kept', pid: own });
    expect(sup.restarts('kept')).toBe(1);
  });

  it('signals and stops the adopted process by pid', async () => {
    const old = leftBehind();
    expect(sup.adopt(spec('kept', 'run'), old)).toBe(true);
    expect(sup.signal('kept', 'SIGCONT')).toBe(true);
    await sup.stop('kept');
    expect(isAlive(old)).toBe(false);
    expect(events.some((e) => e.kind === 'started')).toBe(false);
  });

  it('refuses a pid that is not alive', () => {
    expect(sup.adopt(spec('ghost', 'run'), 2 ** 22 + 1)).toBe(false);
    expect(sup.list()).toEqual([]);
  });
});
