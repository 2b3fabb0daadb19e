// HAProxy under the agent's supervisor for the l7 role: a fresh start or the
// adoption of a master a previous agent left serving, readiness, reloads and
// the soft stop. The decisions (arguments, reload judgement, show proc) live
// in agent/drivers/haproxy/daemon.ts; this file binds them to the supervisor, the
// sockets and the clock.
import { mkdir } from 'node:fs/promises';
import type { HaproxyPaths } from '../../../tiers/l7/paths.js';
import { carryServerState, type ServerPorts } from '../../../tiers/l7/server-state.js';
import {
  HAPROXY_DAEMON, atomicWriteFile, findRunningMaster, haproxySpec, parseShowProc, reloadHaproxy, reloadProgress, softStopHaproxy,
  type HaproxyCli, type ReloadResult, type ShowProc, type SoftStopResult,
} from '../../drivers/haproxy/daemon.js';
import { haproxyRuntime } from '../../ports/haproxy-runtime.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../observe/log.js';
import type { Supervisor } from '../../supervise/supervisor.js';

export interface HaproxyControl {
  readonly runtime: HaproxyCli;
  readonly master: HaproxyCli;
  /**
   * Starts HAProxy, adopting a live master left by a previous agent; returns
   * the adopted pid if any. `ports`: those of the installed config (see saveState).
   */
  start(ports: ServerPorts): Promise<number | undefined>;
  /** The supervised master's pid (the last one if it just died); changes when the supervisor restarts it. */
  masterPid(): number | undefined;
  running(): boolean;
  /** True once the master `pid` answers `show proc` with a worker and the worker answers its admin socket. */
  waitReady(pid: number, timeoutMs: number): Promise<boolean>;
  /** Saves the servers' states to the state file, for a master that loads a config with these server ports. */
  saveState(ports: ServerPorts): Promise<string | undefined>;
  /** Reloads into the installed config, whose servers have these ports. */
  reload(ports: ServerPorts): Promise<ReloadResult>;
  /** A reload that timed out, looked at once more: undefined while it shows nothing yet. */
  reloadProgress(before: ShowProc, ms: number): Promise<ReloadResult | undefined>;
  softStop(graceMs: number): Promise<SoftStopResult>;
}

export function haproxyControl(paths: HaproxyPaths, supervisor: Supervisor, clock: Clock, log: Logger): HaproxyControl {
  const runtime = haproxyRuntime(paths.adminSocket);
  const master = haproxyRuntime(paths.masterSocket);
  const running = (): boolean => supervisor.list().some((d) => d.name === HAPROXY_DAEMON && d.pid !== null);
  const signal = (sig: NodeJS.Signals): boolean => supervisor.signal(HAPROXY_DAEMON, sig);

  const saveState = async (ports: ServerPorts): Promise<string | undefined> => {
    const state = await runtime.command('show servers state').catch((e: unknown) => `error: ${String(e)}`);
    if (!/^1\n# be_id /.test(state)) return `expected a format 1 servers state, got ${JSON.stringify(state.slice(0, 80))}`;
    return atomicWriteFile(paths.stateFile, carryServerState(state, ports)).then(() => undefined, (e: unknown) => String(e));
  };

  return {
    runtime,
    master,
    async start(ports) {
      for (const dir of new Set([paths.adminSocket, paths.pidFile, paths.stateFile].map((p) => p.slice(0, p.lastIndexOf('/'))))) {
        await mkdir(dir, { recursive: true });
      }
      const adoptPid = await findRunningMaster(paths.pidFile);
      if (adoptPid !== undefined) {
        // The new master reads this back: drains and maints set on the old one survive the hand-over.
        const saved = await saveState(ports);
        if (saved !== undefined) log.warn({ pid: adoptPid, problem: saved }, 'could not save the servers state of the master being adopted');
        log.info({ pid: adoptPid }, 'adopting the running haproxy master: its listeners pass to a new master, it finishes its connections');
      }
      // A restart must not signal the adopted pid again: by then it may be another process.
      supervisor.start({ ...haproxySpec(paths, adoptPid === undefined ? {} : { adoptPid }), restartArgs: haproxySpec(paths).args });
      return adoptPid;
    },
    masterPid: () => supervisor.pid(HAPROXY_DAEMON),
    running,
    async waitReady(pid, timeoutMs) {
      const end = clock.now() + timeoutMs;
      for (let i = 0; i <= Math.ceil(timeoutMs / 50); i++) {
        // The master socket's path is shared with an adopted master: only the pid tells whose answer it is.
        const proc = parseShowProc(await master.command('show proc').catch(() => ''));
        if (proc?.master === pid && proc.workers.length > 0) {
          const info = await runtime.command('show info').catch(() => '');
          if (new RegExp(`^Pid: ${proc.workers[0]}$`, 'm').test(info)) return true;
        }
        if (clock.now() >= end || !running()) return false;
        await clock.sleep(50);
      }
      return false;
    },
    saveState,
    reload: (ports) => reloadHaproxy({ signal, runtime, master, stateFile: paths.stateFile, carry: (state) => carryServerState(state, ports), writeFile: atomicWriteFile, clock }),
    reloadProgress: (before, ms) => reloadProgress(master, before, ms),
    async softStop(graceMs) {
      // The supervisor must not restart the master once it has finished.
      supervisor.stopRestarting(HAPROXY_DAEMON);
      const result = await softStopHaproxy({ signal, isRunning: async () => running(), clock }, { graceMs });
      await supervisor.stop(HAPROXY_DAEMON);
      return result;
    },
  };
}
