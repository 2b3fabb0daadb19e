// A fake HAProxy for l7 role tests: a master with a pid, the config it
// loaded, the runtime commands it was sent; it can be restarted (a new
// master) and can refuse a reload. It fails the test on what the agent must
// never do: a reload or a command to a master that is not running.
import type { ReloadResult, SoftStopResult } from '../../agent/drivers/haproxy/daemon.js';
import type { HaproxyControl } from '../../agent/roles/l7/haproxy.js';
import type { ServerPorts } from '../../tiers/l7/server-state.js';

export class FakeHaproxy implements HaproxyControl {
  pid: number | undefined;
  installed: string | undefined;
  loaded: string | undefined;
  readonly commands: string[] = [];
  reloads = 0;
  refuseReload = false;
  /** The server ports given with each state save and reload, the last last. */
  readonly carriedPorts: ServerPorts[] = [];
  private nextPid = 500;

  readonly runtime = {
    command: async (line: string): Promise<string> => {
      if (this.pid === undefined) throw new Error('fake haproxy: command to a stopped master');
      this.commands.push(line);
      return line.startsWith('show stat') ? '' : '\n';
    },
  };
  /** The master socket: the role asks it nothing directly (waitReady does, and is faked). */
  readonly master = { command: async (): Promise<string> => '' };

  async start(): Promise<number | undefined> {
    this.pid = this.nextPid++;
    this.loaded = this.installed;
    return undefined;
  }
  masterPid(): number | undefined { return this.pid; }
  running(): boolean { return this.pid !== undefined; }
  async waitReady(): Promise<boolean> { return this.pid !== undefined; }
  /** How many times the servers' state was saved to the state file. */
  stateSaves = 0;
  async saveState(ports: ServerPorts): Promise<string | undefined> {
    this.stateSaves++;
    this.carriedPorts.push(ports);
    return undefined;
  }
  async reload(ports: ServerPorts): Promise<ReloadResult> {
    this.carriedPorts.push(ports);
    if (this.pid === undefined) throw new Error('fake haproxy: reload of a stopped master');
    this.reloads++;
    if (this.refuseReload) return { kind: 'rejected', ms: 1 };
    if (this.slowReload) {
      this.slow = { done: false };
      const proc = { master: this.pid, reloads: this.reloads - 1, failed: 0, workers: [], oldWorkers: [] };
      return { kind: 'timeout', ms: 10000, before: proc };
    }
    this.loaded = this.installed;
    return { kind: 'reloaded', workers: [this.reloads], previous: [], ms: 1 };
  }
  /** A reload the test made slow: reload() times out and reloadProgress() reports it done once finishSlowReload() ran. */
  slowReload = false;
  private slow: { done: boolean } | undefined;
  async reloadProgress(): Promise<ReloadResult | undefined> {
    if (!this.slow?.done) return undefined;
    this.slow = undefined;
    this.loaded = this.installed;
    return { kind: 'reloaded', workers: [this.reloads], previous: [], ms: 1 };
  }
  finishSlowReload(): void {
    if (this.slow) this.slow.done = true;
  }
  async softStop(): Promise<SoftStopResult> {
    this.pid = undefined;
    return { kind: 'finished', ms: 1 };
  }

  /** The master dies and the supervisor starts a new one, which reads the installed file. */
  restart(): void {
    this.pid = this.nextPid++;
    this.loaded = this.installed;
  }

  /** The enabler commands sent, in order. */
  enablerCommands(): string[] {
    return this.commands.filter((c) => c.startsWith('set server'));
  }
}
