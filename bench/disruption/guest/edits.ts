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
import { allVips } from '../../../site/index.js';
import { inNode, progress, sleep, withSiteText, type LabEnv } from '../../../lab/guest/env.js';
import { upstreamRoute } from '../../../lab/guest/live-edit.js';
import { readNodeSite, writeEveryNodeSite } from '../../../lab/guest/node-site.js';
import { INTERNET } from '../../../lab/topology.js';
import { editPlan, type EditChange, type PlannedEdit } from '../edit-plan.js';
import { servedVia } from '../in-flight.js';
import type { ScenarioResult } from '../result.js';
import { probesFor, type Probe, type Seen } from './edit-probes.js';
import {
  addressesOf, editMaintenance, l4Names, routeReaction, slowTargets, steady, underLoad, type Body, type LoadOptions, type RowHead, type Scenario,
} from './under-load.js';
import { routeMonitors } from '../../../lab/guest/reaction.js';

/** From the rename to every affected node showing the edit: a reload, a BIRD reconfigure and BGP through the reflectors, in the busy one-CPU lab kernel. */
const TAKEN_MS = 90000;
/** Disable after an edit: the graceful-shutdown drain (bgp.drainTime) and 1 s, as scenario 1's target; the wait itself is bounded by this. */
const DISABLE_WAIT_MS = 60000;
const ENABLE_WAIT_MS = 60000;

const addedVip = (c: EditChange): string | undefined => (c.kind === 'vip-added' || c.kind === 'service-added' ? c.vip : undefined);

const s1 = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Polls one probe until it holds or its bound passes: when the read that saw
 * it ended (the reaction, an upper bound) and when the read before it ended
 * (the lower bound). Reads take seconds while every agent reloads in the
 * one-CPU lab kernel, so both are reported.
 */
async function pollProbe(p: Probe, from: number): Promise<{ readonly seen: Seen; readonly between?: readonly [number, number] }> {
  const deadline = from + (p.withinMs ?? TAKEN_MS);
  let seen: Seen = { ok: false, seen: 'not read' };
  let previous = from;
  for (let i = 0; i < 10000 && Date.now() <= deadline; i++) {
    seen = await p.check();
    const end = Date.now();
    if (seen.ok) return { seen, between: [previous - from, end - from] };
    previous = end;
    await sleep(500);
  }
  return { seen };
}

/** Runs every probe at once; a reaction each; the probes that never held within their bound, with what they saw last. */
async function taken(probes: readonly Probe[], from: number, b: Body): Promise<string[]> {
  const failed: string[] = [];
  await Promise.all(probes.map(async (p) => {
    const within = p.withinMs ?? TAKEN_MS;
    const r = await pollProbe(p, from);
    const when = r.between ? `; seen between ${s1(r.between[0])} and ${s1(r.between[1])} (the end of the read before and of the read that saw it)` : '';
    b.reactions.push({ what: `taken: ${p.what}`, ms: r.between ? r.between[1] : null, how: `${p.how}; bound ${within / 1000} s${when}` });
    if (!r.between) failed.push(`${p.what}, within ${within / 1000} s (seen: ${r.seen.seen})`);
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
    // The flows may still run: one that breaks from here on may be the disable's (its flows move to other L4 nodes).
    b.followUp = { what: `the disable of ${target} that followed`, at: off };
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
  if (e.change.kind === 'l7-removed') {
    const node = e.change.node;
    const addrs = addressesOf(env, node);
    b.held = { by: node, holds: (r) => addrs.includes(servedVia(r.servedBy)?.via ?? '') };
    b.notes.push(`${node}'s drain bound: ${e.change.drainBoundMs / 1000} s (the longest timeout of its services); the flows last ${load.seconds} s, so every flow it held ends within it and none may break`);
  }
  const at = writeEveryNodeSite(env, e.after);
  b.actionAt = at.first;
  b.actions.push(`every node's site file: ${e.name}`);
  b.notes.push(`all ${env.topology.nodes.length} nodes' copies written, then renamed over one right after the other in the site's node order, within ${at.last - at.first} ms; reactions count from the first rename`);
  progress(env, `  every node's site file renamed over within ${at.last - at.first} ms`);
  const failed = await taken(probesFor(e.change, after), b.actionAt, b);
  if (failed.length > 0) throw new Error(`not taken: ${failed.join('; ')}`);
  const vip = addedVip(e.change);
  await disableStillWorks(after, vip !== undefined ? [vip] : allVips(after.site), b);
}

async function runEdit(env: LabEnv, load: LoadOptions, e: PlannedEdit, head: RowHead): Promise<ScenarioResult> {
  const before = withSiteText(env, e.before);
  const after = withSiteText(env, e.after);
  // Flows only to what exists both before and after: a new VIP has nothing to load yet, a removed one is no longer served.
  const stays = new Set(slowTargets(after, load.seconds));
  const targets = slowTargets(before, load.seconds).filter((t) => stays.has(t));
  const vip = addedVip(e.change);
  const prepare = vip === undefined ? undefined : async (b: Body): Promise<void> => {
    // The lab's upstream routes each VIP of the boot site to the routers; a new VIP needs its route there too (not a site fact).
    const args = upstreamRoute(env.topology, vip);
    b.actions.push(`internet: ip ${args.join(' ')} (the lab's upstream, before the edit)`);
    const r = await inNode(env, INTERNET, 'ip', args);
    if (r.code !== 0) throw new Error(`internet: ip ${args.join(' ')}: ${r.stderr.trim()}`);
  };
  // The edit must break none; a flow that broke once the disable that follows it moved flows is reported apart (the row's notes say why).
  return underLoad(before, head, load, load.seconds, (b) => act(env, after, e, load, b), (f) => f.broken - (f.followUp?.broken ?? 0) === 0, prepare, { targets });
}

/**
 * Why flows break after the disable that follows an edit: each moves to
 * another L4 node, which schedules it by its own Maglev table. After an L7
 * node joined, that table differs from the one the flow was first scheduled
 * by, and without connection sync between the L4 nodes nothing remembers
 * where the flow went: about one flow in (L7 nodes) of those that move lands
 * elsewhere.
 */
function withFollowUpNote(row: ScenarioResult): ScenarioResult {
  const n = row.flows?.followUp?.broken ?? 0;
  if (n === 0) return row;
  return { ...row, notes: [...row.notes, `${n} flow(s) broke after ${row.flows?.followUp?.what ?? 'the disable'}, while they still ran: a flow moved to another L4 node is scheduled by that node's Maglev table, which differs from the one the flow started with once an L7 node joined; only connection sync between the L4 nodes keeps such a flow where it was`] };
}

/** The boot site on every node again; then a steady state, bounded. */
async function restore(env: LabEnv, boot: string): Promise<string> {
  writeEveryNodeSite(env, boot);
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
    const rows: ScenarioResult[] = [];
    let stopped: string | undefined;
    for (const e of plan) {
      const head: RowHead = { id: `edits.${e.step}`, scenario: 'edits', name: `site edit ${e.step}: ${e.name}`, kind: 'planned' };
      const row: ScenarioResult = stopped !== undefined
        ? { ...head, actions: [], flows: null, reactions: [], ok: false, notes: [], error: `not run: ${stopped}` }
        : await runEdit(env, load, e, head);
      // An edit that was not taken leaves no steady state for the next one to start from.
      if (stopped === undefined && row.error !== undefined) stopped = `edit ${e.step} failed before it`;
      rows.push(withFollowUpNote(row));
      partial?.(row);
    }
    const last = rows.pop();
    const restored = await restore(env, boot);
    progress(env, `  ${restored}`);
    if (last) rows.push({ ...last, notes: [...last.notes, `after the last edit: ${restored}`] });
    return rows;
  },
};
