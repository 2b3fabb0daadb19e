// Scenario `moved`: for each edit of moved-plan.ts (the spare L7 node
// appended to the measured service, then inserted in the middle of its L7
// nodes), `tierlb plan`'s share of moved flows against the kernels'. From a
// steady state with the boot site's destination lists on every L4 node: the
// L7 node each tuple is sent to (moved-learn.ts), the edit on every node's
// site file at once (as scenario `edits` does), every L4 node's IPVS with
// the new lists (destinations, order and weights, which is what its Maglev
// table is built from), the same tuples again, then the boot site back and
// every L4 node's lists with it, so the next edit starts from the same
// table. No flows run: the tuples are the load. One row per edit and family.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { progress, withSiteText, type LabEnv } from '../../../lab/guest/env.js';
import { readNodeSite, writeEveryNodeSite } from '../../../lab/guest/node-site.js';
import { ipvsTable, nodeOfAddress } from '../../../lab/guest/observe.js';
import { firstHeld } from '../../../lab/guest/reaction.js';
import { departureBoundMs } from '../../../tiers/common/departure-bound.js';
import { listDifference, wantedLists, type WantedList } from '../ipvs-lists.js';
import { movedPlan, type MovedEdit, type MovedPlan, type Prediction } from '../moved-plan.js';
import { modelDisagreements, movedRow, movedShare, type Learned } from '../moved-share.js';
import { modelChoices, tupleSet, type Tuple } from '../moved-tuples.js';
import type { Reaction, ScenarioResult } from '../result.js';
import { learnChoices, type LearnResult } from './moved-learn.js';
import { l4Names, steady, type Scenario } from './under-load.js';

/** The agreement asked for between `tierlb plan` and the kernels, in percentage points. */
const WITHIN_PP = 2;
/** From the rename to every L4 node's new lists: the spare's HAProxy reloads, then two health checks (rise 2, every 2 s) on every L4 node. */
const TAKEN_MS = 120000;
/** Past the departure bound (a leaving L7 node stays at weight 0 that long at most, keeping its slots), a turn of every agent. */
const REVERT_MARGIN_MS = 60000;

interface Step { readonly env: LabEnv; readonly plan: MovedPlan; readonly tuples: readonly Tuple[]; readonly probe: string }

interface Body { readonly actions: string[]; readonly reactions: Reaction[]; readonly notes: string[] }

/** Polls every L4 node's IPVS until each holds `wanted`: when the read that saw it began, from `from`; or what the last read showed. */
async function listsTaken(env: LabEnv, wanted: readonly WantedList[], from: number, ms: number): Promise<{ readonly ms: number | null; readonly seen: string }> {
  let seen = 'not read';
  const at = await firstHeld(ms - (Date.now() - from), async () => {
    const diffs = await Promise.all(l4Names(env).map(async (n) => {
      const table = await ipvsTable(env, n);
      const d = table === undefined ? 'no answer from ipvsadm' : listDifference(table, wanted, (a) => nodeOfAddress(env, a));
      return d === undefined ? undefined : `${n}: ${d}`;
    }));
    seen = diffs.filter((d) => d !== undefined).join('; ');
    return seen === '';
  }, 500);
  return { ms: at === null ? null : at - from, seen };
}

const learnText = (what: string, l: LearnResult): string => {
  const failed = Object.entries(l.failed).map(([k, n]) => `${k} ${n}`).join(', ');
  return `${what}: ${l.learned.choices.size} tuples answered in ${(l.ms / 1000).toFixed(0)} s (${l.opened} connections open${failed ? `, failed: ${failed}` : ''}; ${l.learned.conflicts.size} sent to two L7 nodes by two L4 nodes; ${l.stale.size} with an entry the new SYN would reuse, left out; ${l.failedReads} table reads failed)${l.cut ? `; ${l.cut}` : ''}`;
};

/** The boot site on every node again, and its lists on every L4 node, bounded; whether they came back. */
async function revert(s: Step, b: Body): Promise<boolean> {
  const boot = withSiteText(s.env, s.plan.boot).site;
  const bound = departureBoundMs(boot.services.find((x) => x.name === s.plan.service)) + REVERT_MARGIN_MS;
  const back = writeEveryNodeSite(s.env, s.plan.boot).first;
  b.actions.push('every node\'s site file: the boot site again');
  const r = await listsTaken(s.env, wantedLists(boot), back, bound);
  b.reactions.push({ what: 'every L4 node\'s IPVS back to the boot site\'s lists', ms: r.ms, how: `as above; a leaving L7 node first stays at weight 0 (keeping its slots) until its connections are gone or its departure bound passed; bound ${bound / 1000} s` });
  if (r.ms === null) b.notes.push(`the boot site's lists were not back on every L4 node within ${bound / 1000} s: ${r.seen}`);
  return r.ms !== null;
}

/** The edit on every node, its lists on every L4 node, the tuples again; then the boot site back, whatever happened. */
async function editAndLearn(s: Step, e: MovedEdit, b: Body): Promise<{ readonly after?: LearnResult; readonly error?: string; readonly reverted: boolean }> {
  let after: LearnResult | undefined;
  let error: string | undefined;
  try {
    const at = writeEveryNodeSite(s.env, e.after).first;
    b.actions.push(`every node's site file: ${e.name}`);
    const taken = await listsTaken(s.env, wantedLists(withSiteText(s.env, e.after).site), at, TAKEN_MS);
    b.reactions.push({ what: 'every L4 node\'s IPVS with the new destination lists', ms: taken.ms, how: `ipvsadm -Ln --nosort on every L4 node, polled every 500 ms: every service's L7 nodes in the site's order, at full weight; bound ${TAKEN_MS / 1000} s` });
    if (taken.ms === null) error = `not taken within ${TAKEN_MS / 1000} s: ${taken.seen}`;
    else after = await learnChoices(s.env, s.tuples, s.plan.tables, s.probe, `${e.step}-after`);
  } catch (x) {
    error = (x as Error).message;
  }
  const reverted = await revert(s, b);
  return { ...(after ? { after } : {}), ...(error !== undefined ? { error } : {}), reverted };
}

const tableText = (s: Step, p: Prediction): string => `${s.plan.service} ${p.family === 'ipv4' ? 'IPv4' : 'IPv6'} ${p.vip} port ${p.port}`;

const rowHead = (e: MovedEdit, p: Prediction): Pick<ScenarioResult, 'id' | 'scenario' | 'name' | 'kind'> => ({
  id: `moved.${e.step}.${p.family === 'ipv4' ? 'v4' : 'v6'}`, scenario: 'moved', kind: 'planned',
  name: `${e.step === 'a' ? 'append' : 'insert'}: ${e.name}; ${p.family === 'ipv4' ? 'IPv4' : 'IPv6'} ${p.vip} port ${p.port}`,
});

/** One row per measured table: the prediction, the kernels' share, the model on the same tuples, and what to look at when they differ. */
function rowsOf(s: Step, e: MovedEdit, before: LearnResult, r: Awaited<ReturnType<typeof editAndLearn>>, b: Body, control: Learned | undefined): ScenarioResult[] {
  const bootSite = withSiteText(s.env, s.plan.boot).site;
  const afterSite = withSiteText(s.env, e.after).site;
  return e.predictions.map((p): ScenarioResult => {
    const table = tableText(s, p);
    const model = { before: modelChoices(bootSite, s.plan.service, p, s.tuples), after: modelChoices(afterSite, s.plan.service, p, s.tuples) };
    const onTuples = movedShare({ choices: model.before, conflicts: new Set() }, { choices: model.after, conflicts: new Set() }, s.tuples, p.family);
    const share = r.after ? movedShare(before.learned, r.after.learned, s.tuples, p.family, new Set([...before.stale, ...r.after.stale])) : { tuples: 0, moved: 0 };
    const moved = movedRow(e.name, table, p.percent, onTuples.tuples > 0 ? (onTuples.moved / onTuples.tuples) * 100 : null, share, WITHIN_PP);
    const off = [{ when: 'before', d: modelDisagreements(before.learned, model.before) }, ...(r.after ? [{ when: 'after', d: modelDisagreements(r.after.learned, model.after) }] : [])];
    const notes = [
      `tierlb plan: ${p.percent.toFixed(2)}% of the ${table} table's slots change L7 node; L4 kernel list ${p.kernelList.join(', ')}`,
      ...e.others.map((o) => `tierlb plan, not measured: ${o}`),
      learnText('before the edit', before), ...(r.after ? [learnText('after the edit', r.after)] : []),
      ...off.map(({ when, d }) => `${when} the edit, ${d.count} tuple(s) went elsewhere than the model of the kernel's Maglev table says${d.examples.length > 0 ? `: ${d.examples.join('; ')}` : ''}`),
      ...(control ? [controlNote(control, before.learned, s.tuples, p.family)] : []),
      ...b.notes,
    ];
    return { ...rowHead(e, p), actions: b.actions, flows: null, reactions: b.reactions, ok: r.error === undefined && moved.within, notes, moved, ...(r.error !== undefined ? { error: r.error } : {}) };
  });
}

function controlNote(first: Learned, now: Learned, tuples: readonly Tuple[], family: Prediction['family']): string {
  const c = movedShare(first, now, tuples, family);
  return `before this edit, ${c.moved} of ${c.tuples} tuples went to another L7 node than before the first edit (0 expected: the revert gives the boot table back)`;
}

/** Rows of an edit not measured: its predictions, nothing measured. */
const failedRows = (s: Step, e: MovedEdit, b: Body, error: string): ScenarioResult[] => e.predictions.map((p) => ({
  ...rowHead(e, p), actions: b.actions, flows: null, reactions: b.reactions, ok: false, notes: b.notes, error,
  moved: movedRow(e.name, tableText(s, p), p.percent, null, { tuples: 0, moved: 0 }, WITHIN_PP),
}));

async function measureEdit(s: Step, e: MovedEdit, control: Learned | undefined): Promise<{ rows: ScenarioResult[]; before?: Learned; reverted: boolean }> {
  progress(s.env, `scenario moved.${e.step}: ${e.name}`);
  const b: Body = { actions: [], reactions: [], notes: [] };
  const st = await steady(s.env);
  if (!st.ok) return { rows: failedRows(s, e, b, `no steady state to start from within 180 s: ${st.detail}`), reverted: true };
  const start = await listsTaken(s.env, wantedLists(withSiteText(s.env, s.plan.boot).site), Date.now(), 60000);
  if (start.ms === null) return { rows: failedRows(s, e, b, `the boot site's lists are not on every L4 node: ${start.seen}`), reverted: false };
  const before = await learnChoices(s.env, s.tuples, s.plan.tables, s.probe, `${e.step}-before`);
  const r = await editAndLearn(s, e, b);
  return { rows: rowsOf(s, e, before, r, b, control), before: before.learned, reverted: r.reverted };
}

export const MOVED: Scenario = {
  id: 'moved', name: 'share of flows an added L7 node takes: tierlb plan against the L4 nodes\' kernels', kind: 'planned',
  async run(env, _load, partial) {
    const first = env.topology.nodes[0]?.name;
    if (!first) throw new Error('expected nodes');
    const plan = movedPlan(readNodeSite(env, first));
    // Bundled beside the flows client (bench/disruption/main.ts builds both into one folder).
    const probe = join(dirname(env.client), 'moved-probe.mjs');
    if (!existsSync(probe)) throw new Error(`expected the probe at ${probe}`);
    const s: Step = { env, plan, tuples: tupleSet(env.topology.clients, plan.tables.map((t) => t.family)), probe };
    progress(env, `scenario moved: ${s.tuples.length} tuples to ${plan.tables.map((t) => `${t.vip} port ${t.port}`).join(' and ')}`);
    const rows: ScenarioResult[] = [];
    let control: Learned | undefined;
    let stopped: string | undefined;
    for (const e of plan.edits) {
      if (stopped !== undefined) {
        rows.push(...failedRows(s, e, { actions: [], reactions: [], notes: [] }, `not run: ${stopped}`));
        continue;
      }
      const m = await measureEdit(s, e, control);
      control ??= m.before;
      for (const r of m.rows) { rows.push(r); partial?.(r); }
      // The next edit must start from the boot table, or its share is of another table.
      if (!m.reverted) stopped = `the boot site's lists were not back after edit ${e.step}`;
    }
    return rows;
  },
};
