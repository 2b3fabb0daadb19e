// The flows IPVS connection sync is for, with sync off and on: flows that
// change L4 node after the Maglev table changed. An L7 node joins, then an
// L4 node leaves; or an L7 node is drained, then its flows move L4 node.
// Without sync the L4 node a flow moves to has no entry for it and picks an
// L7 node from today's table, which answers with a reset; with sync it holds
// the entry the first L4 node multicast and keeps the flow's L7 node.
import { nodesWithRole } from '../../../site/index.js';
import { firstHeld, routeMonitors } from '../../../lab/guest/reaction.js';
import { inNode, progress, type LabEnv } from '../../../lab/guest/env.js';
import { readNodeSite, writeNodeSite } from '../../../lab/guest/node-site.js';
import { withConnectionSync } from '../../../lab/guest/site-edits.js';
import {
  allWeighted, editMaintenance, ipvsReaction, l4Names, names, noWeight, routeReaction, sh, underLoad,
  type Body, type LoadOptions, type Scenario,
} from './under-load.js';

/** The device between the L4 nodes in the lab: every node's one port on its segment (lab/topology.ts). */
const SYNC_DEVICE = 'eth0';
/** Long enough for the first action's reaction, the L4 node's drain (bgp.drainTime) and its withdrawal, in the busy lab kernel. */
const SYNC_FLOW_SECONDS = 75;
/** From a site edit to the daemons running or gone on every L4 node: one agent turn each. */
const DAEMONS_MS = 60000;

/** What `ipvsadm -L --daemon` prints on an L4 node: both daemons when sync is on, nothing when off. */
async function daemonsOn(env: LabEnv, l4: string): Promise<{ master: boolean; backup: boolean } | undefined> {
  const r = await inNode(env, l4, 'ipvsadm', ['-L', '--daemon']);
  if (r.code !== 0) return undefined;
  return { master: /master sync daemon/.test(r.stdout), backup: /backup sync daemon/.test(r.stdout) };
}

/** Every L4 node's site file with sync on or off, then waits until every node's daemons say so. */
export async function setConnectionSync(env: LabEnv, enabled: boolean, b: Pick<Body, 'actions' | 'notes'>): Promise<void> {
  const l4 = l4Names(env);
  for (const n of l4) writeNodeSite(env, n, withConnectionSync(readNodeSite(env, n), enabled, SYNC_DEVICE));
  const written = Date.now();
  b.actions.push(`every L4 node's site file: l4.connectionSync ${enabled ? `on over ${SYNC_DEVICE}` : 'off'}`);
  progress(env, `  connection sync ${enabled ? 'on' : 'off'} in every L4 node's site file`);
  const held = await firstHeld(DAEMONS_MS, async () => {
    const states = await Promise.all(l4.map((n) => daemonsOn(env, n)));
    return states.every((s) => s !== undefined && s.master === enabled && s.backup === enabled);
  }, 500);
  if (held === null) throw new Error(`the L4 nodes' sync daemons were not ${enabled ? 'running' : 'stopped'} ${DAEMONS_MS / 1000} s after the site edit (ipvsadm -L --daemon)`);
  b.notes.push(`connection sync ${enabled ? 'on' : 'off'}: every L4 node's daemons ${enabled ? 'running' : 'stopped'} ${((held - written) / 1000).toFixed(1)} s after the site edit (ipvsadm -L --daemon)`);
}

/** An L4 node leaves with /etc/lb/disable and the routers settle on the others. */
async function l4Leaves(env: LabEnv, leaving: string, b: Body): Promise<void> {
  const mon = routeMonitors(env);
  try {
    const at = await editMaintenance(env, leaving, 'disable', 'touch /etc/lb/disable', b);
    b.followUp = { what: `${leaving} left`, at };
    const others = l4Names(env).filter((n) => n !== leaving);
    await routeReaction(env, mon, at, others, `${leaving} left`, undefined, b);
  } finally {
    mon.stop();
  }
}

interface SyncCase {
  readonly id: string;
  readonly name: (sync: boolean) => string;
  /** What the L7 node did when the judged flows were open. */
  readonly judgedFrom: string;
  /** The L7 node the case turns around. */
  readonly l7: (env: LabEnv) => string;
  /** Before the flows: the table the flows start under. */
  readonly prepare?: (env: LabEnv, l7: string, b: Body) => Promise<void>;
  /** The table change while the flows run; sets b.actionAt. */
  readonly change: (env: LabEnv, l7: string, b: Body) => Promise<void>;
  /** After the flows: the lab as it was. */
  readonly restore: (env: LabEnv, l7: string, b: Body) => Promise<void>;
}


async function weightsReach(env: LabEnv, l7: string, from: number, holds: (w: number[]) => boolean, what: string, b: Body): Promise<void> {
  const ms = await ipvsReaction(env, l7, from, holds, 60000);
  b.reactions.push({ what, ms, how: 'each L4 node\'s agent log: its IPVS write, confirmed by ipvsadm -Ln; the slowest node counts' });
  if (ms === null) throw new Error(`${what}: not on every L4 node within 60 s`);
}

const CASES: readonly SyncCase[] = [
  {
    id: 'sync.join-leave',
    name: (sync) => `L7 node joins, then an L4 node leaves; connection sync ${sync ? 'on' : 'off'}`,
    judgedFrom: 'joined',
    l7: (env) => names(nodesWithRole(env.site, 'l7')).slice(-1)[0] ?? 'l7-4',
    async prepare(env, l7, b) {
      const at = await editMaintenance(env, l7, 'agent-check', 'echo down > /etc/lb/agent-check', b);
      await weightsReach(env, l7, at, noWeight, `before the flows: ${l7} weight 0 on every L4 node`, b);
    },
    async change(env, l7, b) {
      b.actionAt = await editMaintenance(env, l7, 'agent-check', 'echo up > /etc/lb/agent-check', b);
      await weightsReach(env, l7, b.actionAt, allWeighted, `${l7} joined: weighted on every L4 node`, b);
    },
    async restore() { /* l7 is up again already */ },
  },
  {
    id: 'sync.drain-move',
    name: (sync) => `L7 node drained, then its flows move L4 node; connection sync ${sync ? 'on' : 'off'}`,
    judgedFrom: 'was drained',
    l7: (env) => names(nodesWithRole(env.site, 'l7'))[0] ?? 'l7-1',
    async change(env, l7, b) {
      b.actionAt = await editMaintenance(env, l7, 'agent-check', 'echo down > /etc/lb/agent-check', b);
      await weightsReach(env, l7, b.actionAt, noWeight, `${l7} drained: weight 0 on every L4 node`, b);
    },
    async restore(env, l7, b) { await sh(env, l7, 'echo up > /etc/lb/agent-check', b.actions); },
  },
];

function syncScenario(c: SyncCase, sync: boolean): Scenario {
  return {
    id: `${c.id}.${sync ? 'on' : 'off'}`, name: c.name(sync), kind: 'planned',
    async run(env: LabEnv, load: LoadOptions) {
      const l7 = c.l7(env);
      const leaving = l4Names(env)[0] ?? 'l4-1';
      const seconds = Math.max(load.seconds, SYNC_FLOW_SECONDS);
      let body: Body | undefined;
      const result = await underLoad(env, this, load, seconds, async (b) => {
        body = b;
        await c.change(env, l7, b);
        await l4Leaves(env, leaving, b);
        b.notes.push(`flows judged: those open when ${l7} ${c.judgedFrom}; ${leaving} leaves after it, its flows move to the other L4 nodes by ECMP`);
      }, (f) => !sync || f.broken === 0, async (b) => {
        await setConnectionSync(env, sync, b);
        await c.prepare?.(env, l7, b);
      });
      // After the flows: the leaving node back, the L7 node as it was; the next scenario waits for its steady state.
      const after: Body = body ?? { actions: [], reactions: [], notes: [] };
      try {
        await sh(env, leaving, 'rm -f /etc/lb/disable', after.actions);
        await c.restore(env, l7, after);
      } catch (e) {
        progress(env, `  restoring the lab after ${this.id}: ${(e as Error).message}`);
      }
      return result;
    },
  };
}

/** Sync off first, then on, for each case; the last turns sync off again so later scenarios find the lab as booted. */
export const SYNC_SCENARIOS: readonly Scenario[] = CASES.flatMap((c) => [syncScenario(c, false), syncScenario(c, true)]);

/** Sync off again, as the lab booted; a scenario of its own so a failure is a row, not a stop. */
export const SYNC_OFF: Scenario = {
  id: 'sync.reset', name: 'connection sync off again (the lab as booted)', kind: 'planned',
  async run(env) {
    const b: Body = { actions: [], reactions: [], notes: [] };
    try {
      await setConnectionSync(env, false, b);
      return { id: this.id, name: this.name, kind: this.kind, actions: b.actions, flows: null, reactions: [], ok: true, notes: b.notes };
    } catch (e) {
      return { id: this.id, name: this.name, kind: this.kind, actions: b.actions, flows: null, reactions: [], ok: false, notes: b.notes, error: (e as Error).message };
    }
  },
};
