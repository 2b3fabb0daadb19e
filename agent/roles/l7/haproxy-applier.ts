// HAProxy's config, owned: the applier keeps the haproxy.cfg the running
// master loaded, the one the checker or HAProxy refused (not tried again
// until the site changes it), and the master it last saw answer. A new
// config is installed after `haproxy -c`, then reloaded without dropping a
// connection; a restarted master is waited for, and what it loaded is read
// back from the installed file.
import type { InstallResult } from '../../install/install.js';
import { untilChecked } from '../../install/until-checked.js';
import type { Logger } from '../../observe/log.js';
import type { Metrics } from '../../observe/metrics.js';
import type { ServerPorts } from '../../../tiers/l7/server-state.js';
import type { ShowProc } from '../../drivers/haproxy/daemon.js';
import type { Clock } from '../../ports/clock.js';
import type { HaproxyControl } from './haproxy.js';

/** How long a turn waits for a (re)started HAProxy to answer before it gives up until the next one. */
const READY_MS = 5000;
/**
 * How long a reload that timed out is waited for before the master is
 * signalled again. Another SIGUSR2 while it still re-executes would start
 * one more reload on top of it, and on a loaded node every retry would.
 */
const AWAIT_RELOAD_MS = 60_000;

export type HaproxyApplyResult =
  /** HAProxy runs `config` (or keeps the last good one if `config` was refused: ok is then false). */
  | { readonly kind: 'running'; readonly ok: boolean; readonly master: number; readonly reloaded: boolean }
  /** No master answers yet: try again soon. */
  | { readonly kind: 'not-ready' };

export interface HaproxyApplierDeps {
  readonly haproxy: HaproxyControl;
  /** Installs haproxy.cfg after its checker; the real one is installDaemonFiles. */
  readonly install: (config: string) => Promise<InstallResult>;
  /** The installed haproxy.cfg, as a restarted master reads it. */
  readonly installed: () => Promise<string | undefined>;
  readonly log: Logger;
  readonly metrics: Pick<Metrics, 'reloads'>;
  readonly clock: Pick<Clock, 'now'>;
}

export class HaproxyApplier {
  private loaded: string | undefined;
  private refused: string | undefined;
  private readyMaster: number | undefined;
  /** The server ports of the installed haproxy.cfg: what a reloaded or restarted master loads. */
  private installedPorts: ServerPorts = new Map();
  /** A reload signalled that had not shown its new workers when the wait ended. */
  private awaiting: { readonly config: string; readonly before: ShowProc; readonly since: number } | undefined;

  constructor(private readonly deps: HaproxyApplierDeps) {}

  /** Installs the first config and starts (or adopts) HAProxy; false when no config can be installed at all. */
  async start(config: string, ports: ServerPorts): Promise<{ started: boolean; adopted?: number }> {
    if ((await untilChecked(() => this.install(config, ports), (r) => r === 'unchecked')) !== true) {
      if ((await this.deps.installed()) === undefined) return { started: false };
      this.deps.log.error('starting haproxy with the last installed config: the new one was refused');
    }
    const adopted = await this.deps.haproxy.start(this.installedPorts);
    this.loaded = await this.deps.installed();
    return { started: true, ...(adopted !== undefined ? { adopted } : {}) };
  }

  async apply(config: string, ports: ServerPorts): Promise<HaproxyApplyResult> {
    const installed = (await this.install(config, ports)) === true;
    const master = this.deps.haproxy.masterPid();
    if (master === undefined || !this.deps.haproxy.running() || !(await this.ensureReady(master))) return { kind: 'not-ready' };
    const awaited = await this.settleAwaited();
    if (awaited === 'waiting') return { kind: 'running', ok: false, master, reloaded: false };
    if (!installed || config === this.loaded) return { kind: 'running', ok: installed, master, reloaded: awaited === 'reloaded' };
    const reloaded = await this.reload(config);
    return { kind: 'running', ok: reloaded, master, reloaded };
  }

  /** Saves the servers' states for a master that would load the installed config. */
  saveState(): Promise<string | undefined> {
    return this.deps.haproxy.saveState(this.installedPorts);
  }

  /** True when `config` is the installed one; 'unchecked' when its checker gave no verdict (not refused: tried again). */
  private async install(config: string, ports: ServerPorts): Promise<boolean | 'unchecked'> {
    if (config === this.refused) return false;
    const r = await this.deps.install(config);
    if (r.kind === 'rejected') this.refused = config;
    if (r.kind === 'unchecked') return 'unchecked';
    const ok = r.kind === 'installed' || r.kind === 'unchanged';
    if (ok) this.installedPorts = ports;
    return ok;
  }

  /** A reload that timed out, looked at again: done, refused, given up on (a new one may go), or still waiting. */
  private async settleAwaited(): Promise<'none' | 'reloaded' | 'settled' | 'waiting'> {
    const a = this.awaiting;
    if (!a) return 'none';
    const ms = this.deps.clock.now() - a.since;
    const r = await this.deps.haproxy.reloadProgress(a.before, ms);
    if (r?.kind === 'reloaded') {
      this.deps.metrics.reloads.inc({ daemon: 'haproxy', result: 'reloaded' });
      this.deps.log.info({ workers: r.workers, previous: r.previous, ms }, 'haproxy reloaded (late); the previous workers finish their connections');
      this.loaded = a.config;
      this.awaiting = undefined;
      return 'reloaded';
    }
    if (r?.kind === 'rejected') {
      this.deps.log.error({ ms }, 'haproxy refused the new config on reload; the previous workers keep serving');
      this.refused = a.config;
      this.awaiting = undefined;
      return 'settled';
    }
    if (ms < AWAIT_RELOAD_MS) return 'waiting';
    this.deps.log.error({ ms }, `haproxy showed no new workers ${ms} ms after the reload signal; signalling again`);
    this.awaiting = undefined;
    return 'settled';
  }

  /** Makes sure the running master answers before it is told anything; notes what a restarted one loaded. */
  private async ensureReady(master: number): Promise<boolean> {
    if (this.readyMaster === master) return true;
    if (!(await this.deps.haproxy.waitReady(master, READY_MS))) {
      this.deps.log.warn({ pid: master }, 'haproxy does not answer on its sockets yet');
      return false;
    }
    if (this.readyMaster !== undefined) this.deps.log.info({ pid: master, previous: this.readyMaster }, 'haproxy was restarted');
    this.readyMaster = master;
    // A restarted master read the installed file, not what the last reload loaded.
    this.loaded = await this.deps.installed();
    return true;
  }

  private async reload(config: string): Promise<boolean> {
    const result = await this.deps.haproxy.reload(this.installedPorts);
    this.deps.metrics.reloads.inc({ daemon: 'haproxy', result: result.kind });
    switch (result.kind) {
      case 'reloaded':
        this.deps.log.info({ workers: result.workers, previous: result.previous, ms: result.ms }, 'haproxy reloaded; the previous workers finish their connections');
        this.loaded = config;
        return true;
      case 'rejected':
        // The checker accepted it, so this is rare (a port taken, a missing file): the old workers keep serving.
        this.deps.log.error({ ms: result.ms }, 'haproxy refused the new config on reload; the previous workers keep serving');
        this.refused = config;
        return false;
      case 'timeout':
        this.awaiting = { config, before: result.before, since: this.deps.clock.now() };
        this.deps.log.warn({ ms: result.ms }, 'haproxy has not shown the new workers yet; waiting for this reload rather than signalling again');
        return false;
      default:
        this.deps.log.warn({ result }, 'haproxy reload did not complete');
        return false;
    }
  }
}
