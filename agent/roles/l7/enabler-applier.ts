// The enabler server's state in HAProxy, owned: the applier keeps what it
// pushed and to which master, so a push happens when the state changes, a
// new master runs, or a reload started new workers (they read the state
// file saved before the reload, which may be older than the last push).
// Saving the state file is a step of its own, after the push: the L4 nodes
// are told of the change between the two, so they need not wait for the save.
import { isDeepStrictEqual } from 'node:util';
import type { HaproxyCli } from '../../drivers/haproxy/daemon.js';
import type { Logger } from '../../observe/log.js';
import type { Clock } from '../../ports/clock.js';
import { enablerCommands, pushEnabler, type EnablerState } from './enabler.js';

export class EnablerApplier {
  private pushed: { readonly master: number; readonly state: EnablerState } | undefined;
  private unsaved = false;

  constructor(
    private readonly runtime: HaproxyCli,
    private readonly server: { readonly backend: string; readonly server: string },
    private readonly saveState: () => Promise<string | undefined>,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  async apply(state: EnablerState, master: number, opts: { readonly again: boolean }): Promise<boolean> {
    if (!opts.again && isDeepStrictEqual(this.pushed, { master, state })) return true;
    const start = this.clock.now();
    const result = await pushEnabler(this.runtime, enablerCommands(this.server.backend, this.server.server, state));
    if (!result.ok) {
      this.log.warn({ command: result.command, answer: result.answer }, 'could not push the enabler state; the agent-check will carry it');
      this.pushed = undefined;
      return false;
    }
    this.pushed = { master, state };
    this.unsaved = true;
    this.log.info({ enabler: state, ms: this.clock.now() - start }, 'enabler state pushed to haproxy');
    return true;
  }

  /** Saves the servers' state once after each push: a restart of HAProxy reads the state file, which must not be as old as the last reload. */
  async persist(): Promise<void> {
    if (!this.unsaved) return;
    this.unsaved = false;
    const saved = await this.saveState();
    if (saved !== undefined) this.log.warn({ problem: saved }, 'could not save the servers state');
  }
}
