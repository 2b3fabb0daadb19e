// One node's own copy of the site file (lab/script.ts binds it into the node
// as its agent's --config): the lab gives one node another site by writing a
// new file beside it and renaming it over, as config management does, so the
// agent never reads half a file.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseDocument, type YAMLSeq } from 'yaml';
import { formatIssue, parseSiteText } from '../../site/index.js';
import { nodeSiteFile } from '../script.js';
import type { LabEnv } from './env.js';

export const readNodeSite = (env: LabEnv, node: string): string => readFileSync(nodeSiteFile(env.stateDir, node), 'utf8');

/** Replaces the node's site file; a text the agent would refuse (and keep its old site) is refused here. */
export function writeNodeSite(env: LabEnv, node: string, text: string): void {
  const parsed = parseSiteText(text);
  if (!parsed.ok) throw new Error(`the site for ${node} does not validate: ${parsed.issues.map((i) => formatIssue(i)).join('; ')}`);
  const file = nodeSiteFile(env.stateDir, node);
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
}

/**
 * Gives every node of the lab the same new site, as config management rolls
 * out one file: every copy written beside the old one first, then every
 * rename, in the nodes' file order, one right after the other; so the agents
 * see the change within milliseconds of each other. Returns when the first
 * and the last rename happened (epoch ms).
 */
export function writeEveryNodeSite(env: LabEnv, text: string): { readonly first: number; readonly last: number } {
  const parsed = parseSiteText(text);
  if (!parsed.ok) throw new Error(`the site for every node does not validate: ${parsed.issues.map((i) => formatIssue(i)).join('; ')}`);
  const files = env.topology.nodes.map((n) => nodeSiteFile(env.stateDir, n.name));
  for (const f of files) writeFileSync(`${f}.new`, text);
  const first = Date.now();
  for (const f of files) renameSync(`${f}.new`, f);
  return { first, last: Date.now() };
}

/**
 * The site text without the node `name`: its entry in `nodes` (its lines)
 * and its name in any service's `l7.nodes`; every other byte kept, so the
 * node's copy differs from the others by exactly that.
 */
export function siteWithout(text: string, name: string): string {
  const doc = parseDocument(text);
  const cuts: { seq: YAMLSeq; at: number }[] = [];
  const nodes = doc.get('nodes');
  const at = isSeq(nodes) ? nodes.items.findIndex((n) => isMap(n) && n.get('name') === name) : -1;
  if (!isSeq(nodes) || at < 0) throw new Error(`expected a node named ${name} in the site's nodes`);
  cuts.push({ seq: nodes, at });
  const services = doc.get('services');
  for (const s of isSeq(services) ? services.items : []) {
    const l7 = isMap(s) ? s.getIn(['l7', 'nodes']) : undefined;
    const i = isSeq(l7) ? l7.items.findIndex((x) => isScalar(x) && x.value === name) : -1;
    if (isSeq(l7) && i >= 0) cuts.push({ seq: l7, at: i });
  }
  let out = text;
  // From the end of the text back, so the offsets of the cuts still to make hold.
  for (const c of cuts.sort((a, b) => rangeOf(b.seq.items[b.at])[0] - rangeOf(a.seq.items[a.at])[0])) out = cut(out, c.seq, c.at);
  for (const c of cuts) c.seq.delete(c.at);
  if (JSON.stringify(parseDocument(out).toJS()) !== JSON.stringify(doc.toJS())) throw new Error(`expected to cut ${name} out of the site text, got another site`);
  return out;
}

const rangeOf = (item: unknown): readonly [number, number] => {
  const r = (item as { range?: [number, number, number] }).range;
  if (!r) throw new Error('expected a sequence item read from the text');
  return [r[0], r[1]];
};

/** One item out of the text: its whole lines in a block sequence, the item and a comma in a flow one. */
function cut(text: string, seq: YAMLSeq, at: number): string {
  const [from, to] = rangeOf(seq.items[at]);
  if (seq.flow) {
    const after = /^\s*,\s*/.exec(text.slice(to));
    if (after) return text.slice(0, from) + text.slice(to + after[0].length);
    const before = /,\s*$/.exec(text.slice(0, from));
    return text.slice(0, from - (before?.[0].length ?? 0)) + text.slice(to);
  }
  const start = text.lastIndexOf('\n', from - 1) + 1;
  if (!/^\s*-\s*$/.test(text.slice(start, from))) throw new Error(`expected the item on lines of its own, got ${JSON.stringify(text.slice(start, to))}`);
  const nl = text.indexOf('\n', Math.max(from, to - 1));
  return text.slice(0, start) + (nl < 0 ? '' : text.slice(nl + 1));
}
