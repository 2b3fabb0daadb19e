// The backend servers' admin state and weight that the fleet state asks for,
// pushed through HAProxy's runtime API and owned here: the applier keeps what
// it pushed to which master, pushes what changed, pushes everything again to
// a new master or after a reload, and releases (ready, full weight) a server
// etcd no longer speaks of. The backends' own agents answer the agent-check
// with the same state, so the next check confirms the push rather than
// undoing it. A drift check reads the servers' state back and pushes again
// what someone changed through the runtime API.
import { isDeepStrictEqual } from 'node:util';
import { RELEASED, serverAdminCommands, serverAdminDrift, type ServerAdmin, type ServerAdminPlan } from '../../../tiers/l7/server-admin.js';
import { parseServersState } from '../../ports/haproxy-runtime.js';
import type { HaproxyCli } from '../../drivers/haproxy/daemon.js';
import type { Logger } from '../../observe/log.js';
import { pushEnabler } from './enabler.js';

export class ServerAdminApplier {
  private master: number | undefined;
  private pushed = new Map<string, ServerAdmin>();
  private repaired = 0;

  constructor(private readonly runtime: HaproxyCli, private readonly log: Logger) {}

  /** Servers a drift check found changed under the agent and pushed again. */
  get driftRepairs(): number {
    return this.repaired;
  }

  /**
   * True when every command succeeded; a failed server is pushed again next
   * turn. `check`: read the servers' state and push again what differs from
   * what was pushed.
   */
  async apply(plan: ServerAdminPlan, master: number, opts: { readonly again: boolean; readonly check?: boolean }): Promise<boolean> {
    if (master !== this.master || opts.again) this.pushed = new Map([...this.pushed].filter(([target]) => plan.has(target)));
    const fresh = master !== this.master || opts.again;
    this.master = master;
    let ok = true;
    const released = [...this.pushed.keys()].filter((t) => !plan.has(t));
    const changes: [string, ServerAdmin][] = [
      ...[...plan].filter(([t, s]) => fresh || !isDeepStrictEqual(this.pushed.get(t), s)),
      ...released.map((t): [string, ServerAdmin] => [t, RELEASED]),
    ];
    const drifted = opts.check === true && !fresh ? await this.drifted(plan, new Set(changes.map(([t]) => t))) : new Map<string, string>();
    for (const [target, why] of drifted) {
      this.log.warn({ server: target, why }, `haproxy runtime drift repaired: ${target} ${why}; pushing ${plan.get(target)?.admin ?? ''} again (changed outside the agent)`);
      changes.push([target, plan.get(target) ?? RELEASED]);
    }
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
      if (drifted.has(target)) this.repaired++;
      this.log.info({ server: target, admin: state.admin, weight: state.weight }, `server ${target} ${state.admin} at ${state.weight}% (fleet state)`);
    }
    return ok;
  }

  /** The servers this applier holds a push for whose state in HAProxy differs from it, with why; `skip`: pushed this turn anyway. */
  private async drifted(plan: ServerAdminPlan, skip: ReadonlySet<string>): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const held = [...this.pushed].filter(([t, s]) => !skip.has(t) && isDeepStrictEqual(plan.get(t), s));
    if (held.length === 0) return found;
    const answer = await this.runtime.command('show servers state').catch(() => '');
    const states = new Map(parseServersState(answer).map((s) => [`${s.backend}/${s.server}`, s]));
    for (const [target, state] of held) {
      const now = states.get(target);
      // A server HAProxy does not list (a reload under way) is left to the next check.
      const why = now ? serverAdminDrift(state, now) : undefined;
      if (why !== undefined) found.set(target, why);
    }
    return found;
  }
}
