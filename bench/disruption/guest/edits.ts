// Scenario `edits`: live site edits under load (bench/disruption/edit-plan.ts
// says which, in order). Each edit is one row, measured under its own flows
// from a steady state: the new site text goes to every node at once (every
// copy written beside the old one, then every rename, in the nodes' file
// order, within milliseconds); then the time until every affected node has
// taken it (edit-probes.ts), the flows broken, and whether the maintenance
// contract still holds right after it: `touch /etc/lb/disable` on an L4 node
// takes its next hop out of the routers' routes, `rm` brings it back. Every
// wait is bounded; an edit not taken within its bound fails with what each
// tier showed, and the edits after it are not run (nothing could start from
// a steady state). The boot site is put back at the end.
import { allVips, nodesWithRole } from '../../../site/index.js';
import { inNode, progress, withSiteText, type LabEnv } from '../../../lab/guest/env.js';
import { upstreamRoute } from '../../../lab/guest/live-edit.js';
import { readNodeSite, writeEveryNodeSite } from '../../../lab/guest/node-site.js';
import { INTERNET } from '../../../lab/topology.js';
import { editPlan, type EditChange, type PlannedEdit } from '../edit-plan.js';
import type { ScenarioResult } from '../result.js';
import { probesFor, type Probe, type Seen } from './edit-probes.js';
import {
  editMaintenance, l4Names, routeReaction, servingL7, sh, slowTargets, steady, underLoad, type Body, type LoadOptions, type RowHead, type Scenario,
} from './under-load.js';
import { firstHeld, haproxyStat, routeMonitors } from './watch.js';

/** From the rename to every affected node showing the edit: a reload, a BIRD reconfigure and BGP through the reflectors, in the busy one-CPU lab kernel. */
const TAKEN_MS = 90000;
/** Disable after an edit: the graceful-shutdown drain (bgp.drainTime) and 1 s, as scenario 1's target; the wait itself is bounded by this. */
const DISABLE_WAIT_MS = 60000;
const ENABLE_WAIT_MS = 60000;

const addedVip = (c: EditChange): string | undefined => (c.kind === 'vip-added' || c.kind === 'service-added' ? c.vip : undefined);

/** Runs every probe at once, each polled until it holds or the bound passes; a reaction each; the probes that never held, with what they saw. */
async function taken(probes: readonly Probe[], from: number, b: Body): Promise<string[]> {
  const failed: string[] = [];
  await Promise.all(probes.map(async (p) => {
    let last: Seen = { ok: false, seen: 'not read' };
    const at = await firstHeld(TAKEN_MS, async () => { last = await p.check(); return last.ok; }, 500);
    b.reactions.push({ what: `taken: ${p.what}`, ms: at === null ? null : Math.max(0, at - from), how: p.how });
    if (at === null) failed.push(`${p.what} (seen: ${last.seen})`);
  }));
  return failed;
}

/** `touch /etc/lb/disable` on the first L4 node right after the edit: out of the routers' routes to `vips`, then back after `rm`. */
async function disableStillWorks(env: LabEnv, vips: readonly string[], b: Body): Promise<void> {
  const l4 = l4Names(env);
  const target = l4[0];
  if (!target || l4.length < 2) throw new Error('expected two L4 nodes to disable one');
  const focus = { ...env, topology: { ...env.topology, vips } };
  const mon = routeMonitors(env);
  let withdrawn = false;
  let back = false;
  try {
    const off = await editMaintenance(env, target, 'disable', 'touch /etc/lb/disable', b);
    withdrawn = await routeReaction(focus, mon, off, l4.filter((n) => n !== target), `after the edit, disable ${target}`, 1000 + env.site.bgp.drainTime.ms, b, DISABLE_WAIT_MS);
  } finally {
    // Enabled again whatever happened: the next edit starts from every L4 node.
    const on = await editMaintenance(env, target, 'disable', 'rm -f /etc/lb/disable', b);
    back = await routeReaction(focus, mon, on, l4, `after the edit, enable ${target}`, undefined, b, ENABLE_WAIT_MS);
    mon.stop();
  }
  if (!withdrawn) throw new Error(`after the edit, the routers still had ${target} for ${vips.join(', ')} ${DISABLE_WAIT_MS / 1000} s after its disable file`);
  if (!back) throw new Error(`after the edit, ${target} was not back in the routers' routes for ${vips.join(', ')} ${ENABLE_WAIT_MS / 1000} s after rm`);
}

async function act(env: LabEnv, after: LabEnv, e: PlannedEdit, load: LoadOptions, b: Body): Promise<void> {
  if (e.change.kind === 'l7-drained') {
    b.actionAt = await editMaintenance(env, e.change.node, 'agent-check', 'echo drain > /etc/lb/agent-check', b);
  } else {
    const at = writeEveryNodeSite(env, e.after);
    b.actionAt = at.first;
    b.actions.push(`every node's site file: ${e.name}`);
    b.notes.push(`all ${env.topology.nodes.length} nodes' copies written, then renamed over one right after the other in the site's node order, within ${at.last - at.first} ms; reactions count from the first rename`);
    progress(env, `  every node's site file renamed over within ${at.last - at.first} ms`);
  }
  const failed = await taken(probesFor(e.change, after), b.actionAt, b);
  if (failed.length > 0) throw new Error(`not taken within ${TAKEN_MS / 1000} s: ${failed.join('; ')}`);
  if (e.change.kind === 'l7-drained') {
    // Its drain bound: the flows it held end (they were all opened before the drain, and last load.seconds).
    const node = e.change.node;
    const empty = await firstHeld(load.seconds * 1000 + 30000, async () => ((await haproxyStat(env, node)) ?? [{ scur: 1 }]).every((s) => s.scur === 0), 1000);
    b.reactions.push({ what: `${node} empty (its drain bound)`, ms: empty === null ? null : empty - b.actionAt, how: `show stat on ${node}'s admin socket every second, at most the flows' length + 30 s` });
    if (empty === null) b.notes.push(`${node} still held sessions ${load.seconds + 30} s after its drain: its removal (the next edit) cuts them`);
    return;
  }
  const vip = addedVip(e.change);
  await disableStillWorks(after, vip !== undefined ? [vip] : allVips(after.site), b);
}

async function runEdit(env: LabEnv, load: LoadOptions, e: PlannedEdit, head: RowHead): Promise<ScenarioResult> {
  const before = withSiteText(env, e.before);
  const after = withSiteText(env, e.after);
  // Flows only to what exists both before and after: a new VIP has nothing to load yet, a removed one is no longer served.
  const stays = new Set(slowTargets(after, load.seconds));
  const targets = slowTargets(before, load.seconds).filter((t) => stays.has(t));
  // A drained L7 node (before its removal) is at weight 0, not part of the steady state.
  const drained = e.change.kind === 'l7-removed' ? e.change.node : undefined;
  const steadyL7 = servingL7(before).filter((n) => n !== drained);
  const vip = addedVip(e.change);
  const prepare = vip === undefined ? undefined : async (b: Body): Promise<void> => {
    // The lab's upstream routes each VIP of the boot site to the routers; a new VIP needs its route there too (not a site fact).
    const args = upstreamRoute(env.topology, vip);
    b.actions.push(`internet: ip ${args.join(' ')} (the lab's upstream, before the edit)`);
    const r = await inNode(env, INTERNET, 'ip', args);
    if (r.code !== 0) throw new Error(`internet: ip ${args.join(' ')}: ${r.stderr.trim()}`);
  };
  return underLoad(before, head, load, load.seconds, (b) => act(env, after, e, load, b), (f) => f.broken === 0, prepare, { targets, steadyL7 });
}

/** The boot site on every node again, the spare L7 node's agent-check back to up; then a steady state, bounded. */
async function restore(env: LabEnv, boot: string, spare: string | undefined): Promise<string> {
  writeEveryNodeSite(env, boot);
  const actions: string[] = [];
  if (spare !== undefined) await sh(env, spare, 'echo up > /etc/lb/agent-check', actions).catch(() => undefined);
  const st = await steady(env, 120000);
  return st.ok ? 'the boot site back on every node: steady again' : `the boot site back on every node: no steady state within 120 s (${st.detail})`;
}

export const EDITS: Scenario = {
  id: 'edits', name: 'site edits under load', kind: 'planned',
  async run(env, load, partial) {
    const first = env.topology.nodes[0]?.name;
    if (!first) throw new Error('expected nodes');
    const boot = readNodeSite(env, first);
    const plan = editPlan(boot);
    const spare = nodesWithRole(env.site, 'l7').map((n) => n.name).find((n) => !servingL7(env).includes(n));
    const rows: ScenarioResult[] = [];
    let stopped: string | undefined;
    for (const e of plan) {
      const head: RowHead = { id: `edits.${e.step}`, scenario: 'edits', name: `site edit ${e.step}: ${e.name}`, kind: 'planned' };
      const row: ScenarioResult = stopped !== undefined
        ? { ...head, actions: [], flows: null, reactions: [], ok: false, notes: [], error: `not run: ${stopped}` }
        : await runEdit(env, load, e, head);
      // An edit that was not taken leaves no steady state for the next one to start from.
      if (stopped === undefined && row.error !== undefined) stopped = `edit ${e.step} failed before it`;
      rows.push(row);
      partial?.(row);
    }
    const last = rows.pop();
    const restored = await restore(env, boot, spare);
    progress(env, `  ${restored}`);
    if (last) rows.push({ ...last, notes: [...last.notes, `after the last edit: ${restored}`] });
    return rows;
  },
};
