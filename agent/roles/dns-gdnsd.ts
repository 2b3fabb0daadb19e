// gdnsd on a DNS node: how it runs under the supervisor, how it takes new
// zones and a new config without dropping a query, and how the VIP state file
// reaches it. gdnsd 3.8 facts this relies on (tried on the installed binary):
// `gdnsd -R start` takes the listening sockets over from a running instance
// ("downtimeless replace"), and starts normally when none runs; the old
// instance exits 0 once the new one serves. `gdnsdctl reload-zones` reloads
// zone files in place (same pid). gdnsd ignores SIGPIPE, so it keeps serving
// when the agent holding its output pipes is gone.
import { execa } from 'execa';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GdnsdPaths } from '../../tiers/dns/index.js';
import type { Logger } from '../observe/log.js';
import type { Clock } from '../ports/clock.js';
import type { DaemonSpec, Supervisor } from '../supervise/supervisor.js';

export const GDNSD = 'gdnsd';

/**
 * Foreground under the supervisor, with `-R`: the first start of a restarted
 * agent takes over the gdnsd its predecessor left serving, applying the config
 * now on disk, instead of failing on the control socket lock ("Another
 * instance is running"). outlivesAgent: a DNS server keeps answering, from the
 * last VIP states written, when the agent dies.
 */
export function gdnsdSpec(paths: GdnsdPaths, binary = 'gdnsd'): DaemonSpec {
  return { name: GDNSD, command: binary, args: ['-c', paths.configDir, '-R', 'start'], stopTimeoutMs: 5000, outlivesAgent: true };
}

export interface CtlResult { readonly ok: boolean; readonly output: string }

/**
 * gdnsdctl finds the control socket through the config's run_dir. `-t`:
 * seconds it waits for the daemon (5 is its shortest; a reload of large zones
 * takes longer).
 */
export async function gdnsdctl(paths: GdnsdPaths, args: readonly string[], timeoutSeconds = 5): Promise<CtlResult> {
  const r = await execa('gdnsdctl', ['-c', paths.configDir, '-t', String(timeoutSeconds), ...args], { reject: false, all: true, timeout: (timeoutSeconds + 10) * 1000 });
  return { ok: r.exitCode === 0, output: String(r.all ?? r.shortMessage ?? '') };
}

/** The pid of the gdnsd answering on the control socket (`info: version 3.8.1 running at PID 123`). */
export async function servingPid(paths: GdnsdPaths): Promise<number | undefined> {
  const r = await gdnsdctl(paths, ['-o', 'status']);
  const pid = Number(/running at PID (\d+)/.exec(r.output)?.[1]);
  return r.ok && Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Waits, bounded, until the supervised gdnsd is the one answering on the control socket. */
export async function awaitServing(supervisor: Supervisor, paths: GdnsdPaths, clock: Clock, timeoutMs: number): Promise<number | undefined> {
  const until = clock.now() + timeoutMs;
  while (clock.now() < until) {
    const pid = supervisor.pid(GDNSD);
    if (pid !== undefined && (await servingPid(paths)) === pid) return pid;
    await clock.sleep(100);
  }
  return undefined;
}

/** `-i`: no gdnsd running (the supervisor is restarting it) is a success, the next one reads the new zones. */
export function reloadZones(paths: GdnsdPaths): Promise<CtlResult> {
  return gdnsdctl(paths, ['-i', 'reload-zones'], 60);
}

/**
 * A config change takes a new gdnsd. The supervisor owns one child per name
 * and restarts it when it exits, so the new config goes in by two takeovers,
 * each without downtime: a transient `gdnsd -R start` takes the sockets from
 * the supervised one, which exits; the supervisor restarts its spec (also
 * `-R start`), which takes them from the transient one. Status shows this as
 * one restart of gdnsd.
 */
export async function replaceGdnsd(supervisor: Supervisor, paths: GdnsdPaths, clock: Clock, log: Logger, timeoutMs = 30000): Promise<CtlResult> {
  const before = supervisor.pid(GDNSD);
  const transient = execa('gdnsd', ['-c', paths.configDir, '-R', 'start'], { reject: false, all: true, stdin: 'ignore', detached: true, cleanup: false, timeout: timeoutMs });
  // Every wait below ends when the replace settles, so no timer outlives it (a planned stop must not wait for one).
  const settle = new AbortController();
  try {
    const first = await Promise.race([transient.then(() => 'exited' as const), waitForNewPid(supervisor, before, clock, timeoutMs, settle.signal)]);
    if (first !== 'replaced' && (transient.exitCode !== 0 || supervisor.pid(GDNSD) === before)) {
      // Never leave an unsupervised gdnsd behind.
      if (transient.exitCode === null) transient.kill('SIGTERM');
      return { ok: false, output: `the replacing gdnsd ended (${first}, code ${String(transient.exitCode)}) before the supervised one handed over: ${String((await transient).all ?? '')}` };
    }
    const final = await awaitServing(supervisor, paths, clock, timeoutMs);
    const done = await Promise.race([transient.then(() => true), clock.sleep(timeoutMs, settle.signal).then(() => false)]);
    if (!done) transient.kill('SIGTERM');
    log.debug({ transient: String((await transient).all ?? '') }, 'transient gdnsd output');
    return final === undefined || !done
      ? { ok: false, output: `gdnsd replace did not settle within ${timeoutMs} ms (supervised pid ${String(supervisor.pid(GDNSD))})` }
      : { ok: true, output: `gdnsd ${String(before)} replaced by ${final}` };
  } finally {
    settle.abort();
  }
}

async function waitForNewPid(supervisor: Supervisor, before: number | undefined, clock: Clock, timeoutMs: number, signal: AbortSignal): Promise<'replaced' | 'timeout'> {
  const until = clock.now() + timeoutMs;
  while (clock.now() < until && !signal.aborted) {
    const pid = supervisor.pid(GDNSD);
    if (pid !== undefined && pid !== before) return 'replaced';
    await clock.sleep(50, signal);
  }
  return 'timeout';
}

/**
 * The extfile data goes in by rename, so gdnsd (which watches the file with
 * inotify in direct mode) never reads half a file. False when it was already
 * what it should be.
 */
export async function writeStateFile(path: string, content: string): Promise<boolean> {
  if ((await readFile(path, 'utf8').catch(() => undefined)) === content) return false;
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, path);
  return true;
}

/** Removes zone files the site no longer has (installFiles only adds and replaces); their names, as `gdnsd/zones/<zone>`. */
export async function pruneZones(configDir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const zonesDir = join(configDir, 'gdnsd', 'zones');
  const present = await readdir(zonesDir).catch(() => [] as string[]);
  const stale = present.filter((f) => !f.startsWith('.') && !keep.has(`gdnsd/zones/${f}`));
  for (const f of stale) await rm(join(zonesDir, f), { force: true });
  return stale.map((f) => `gdnsd/zones/${f}`);
}
