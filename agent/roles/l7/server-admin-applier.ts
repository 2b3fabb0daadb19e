// The backend servers' admin state and weight that the fleet state asks for,
// pushed through HAProxy's runtime API and owned here: the applier keeps what
// it pushed to which master, pushes what changed, pushes everything again to
// a new master or after a reload, and releases (ready, full weight) a server
// etcd no longer speaks of. The backends' own agents answer the agent-check
// with the same state, so the next check confirms the push rather than
// undoing it.
import { isDeepStrictEqual } from 'node:util';
import { RELEASED, serverAdminCommands, type ServerAdmin, type ServerAdminPlan } from '../../../tiers/l7/server-admin.js';
import type { HaproxyCli } from '../../drivers/haproxy/daemon.js';
import type { Logger } from '../../observe/log.js';
import { pushEnabler } from './enabler.js';

export class ServerAdminApplier {
  private master: number | undefined;
  private pushed = new Map<string, ServerAdmin>();

  constructor(private readonly runtime: HaproxyCli, private readonly log: Logger) {}

  /** True when every command succeeded; a failed server is pushed again next turn. */
  async apply(plan: ServerAdminPlan, master: number, opts: { readonly again: boolean }): Promise<boolean> {
    if (master !== this.master || opts.again) this.pushed = new Map([...this.pushed].filter(([target]) => plan.has(target)));
    const fresh = master !== this.master || opts.again;
    this.master = master;
    let ok = true;
    const released = [...this.pushed.keys()].filter((t) => !plan.has(t));
    const changes: [string, ServerAdmin][] = [
      ...[...plan].filter(([t, s]) => fresh || !isDeepStrictEqual(this.pushed.get(t), s)),
      ...released.map((t): [string, ServerAdmin] => [t, RELEASED]),
    ];
    for (const [target, state] of changes) {
      const r = await pushEnabler(this.runtime, serverAdminCommands(target, state));
      if (!r.ok) {
        this.log.warn({ server: target, command: r.command, answer: r.answer }, `could not set ${target} ${state.admin} in haproxy; trying again`);
        this.pushed.delete(target);
        ok = false;
        continue;
      }
      if (plan.has(target)) this.pushed.set(target, state);
      else this.pushed.delete(target);
      this.log.info({ server: target, admin: state.admin, weight: state.weight }, `server ${target} ${state.admin} at ${state.weight}% (fleet state)`);
    }
    return ok;
  }
}
