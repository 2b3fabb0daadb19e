// The property every site file must have: `tierlb validate` refuses it
// (exit 1, every error line with a line number and a field path, each line
// short), or every node of it renders and each daemon's own checker accepts
// its files. Never a stack trace, never exit 70, never a hang. The CLI runs
// in-process through cli/run.ts, the same code a person's call takes;
// rendering is tiers/render.ts, what `tierlb render` prints.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../cli/run.js';
import { formatIssue, parseSiteText, type Site } from '../../site/index.js';
import type { Daemon, RenderedFile } from '../../tiers/common/files.js';
import { renderNodeFiles } from '../../tiers/render.js';
import type { CheckerPool } from './checkers.js';

export type Verdict =
  | { readonly kind: 'refused'; readonly issues: number }
  | { readonly kind: 'accepted'; readonly nodes: number; readonly checks: number }
  | { readonly kind: 'failure'; readonly what: string; readonly detail: string };

const CHECKED: readonly Daemon[] = ['haproxy', 'bird', 'gobgpd', 'gdnsd'];
/** Parsing is synchronous and bounded by site/limits.ts; this is far beyond what any file should cost. */
const SLOW_MS = 10_000;
/** An error line longer than this is not one readable line. */
const LINE_MAX = 600;
const ISSUE_LINE = /^ {2}line [1-9]\d*: \S.*?: \S/;

export interface OracleOptions {
  readonly dir: string;
  readonly checkers: CheckerPool;
}

export async function judge(content: string | Uint8Array, opts: OracleOptions): Promise<Verdict> {
  const file = join(opts.dir, 'site.yaml');
  await writeFile(file, content);
  const started = performance.now();
  const run = await cli(['validate', file]);
  const took = performance.now() - started;
  if (took > SLOW_MS) return failure('validate is slow', `${Math.round(took)} ms`);
  const broken = misbehaviour(run);
  if (broken) return broken;
  if (run.code === 1) return refusal(run);
  if (run.code !== 0) return failure(`validate exited ${run.code}`, run.err);
  return accepted(typeof content === 'string' ? content : new TextDecoder().decode(content), file, opts.checkers);
}

interface Run { readonly code: number; readonly out: string; readonly err: string }

async function cli(args: readonly string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'tierlb', ...args], { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

function misbehaviour(run: Run): Verdict | undefined {
  if (run.code === 70 || /internal error|\n\s+at .+:\d+:\d+\)?$/m.test(run.err)) return failure('a stack trace', run.err);
  return undefined;
}

/** Exit 1: a header, then one short line per issue, each with its line and its field path. */
function refusal(run: Run): Verdict {
  const [header = '', ...lines] = run.err.replace(/\n$/, '').split('\n');
  const count = /invalid, (\d+) error\(s\); nothing was changed$/.exec(header)?.[1];
  if (count === undefined) return failure('exit 1 without the invalid-file header', run.err);
  if (Number(count) !== lines.length) return failure(`the header counts ${count} error(s) but ${lines.length} line(s) follow`, run.err);
  const bad = lines.find((l) => !ISSUE_LINE.test(l));
  if (bad !== undefined) return failure('an error line without a line number or a field path', bad.slice(0, 2000));
  const long = lines.find((l) => l.length > LINE_MAX);
  if (long !== undefined) return failure(`an error line of ${long.length} characters`, long.slice(0, 2000));
  return { kind: 'refused', issues: lines.length };
}

async function accepted(text: string, file: string, checkers: CheckerPool): Promise<Verdict> {
  const parsed = parseSiteText(text.replace(/^\uFEFF/, ''));
  if (!parsed.ok) return failure('validate accepted what the parser refuses', parsed.issues.map((i) => formatIssue(i)).join('\n'));
  const site = parsed.site;
  const rendered: { node: string; files: readonly RenderedFile[] }[] = [];
  for (const node of site.nodes) {
    try {
      rendered.push({ node: node.name, files: renderNodeFiles(site, node.name) ?? [] });
    } catch (err) {
      return failure(`rendering node ${node.name} threw`, (err as Error).stack ?? String(err));
    }
  }
  const viaCli = await renderOnePerRole(site, file);
  if (viaCli) return viaCli;
  const checks = rendered.flatMap(({ node, files }) => CHECKED.flatMap((daemon) => {
    const own = files.filter((f) => f.daemon === daemon);
    return own.length === 0 ? [] : [checkers.check(daemon, own).then((r) => ({ node, daemon, files: own, ...r }))];
  }));
  const results = await Promise.all(checks);
  const refused = results.find((r) => !r.ok);
  if (refused) {
    const files = refused.files.map((f) => `==> ${f.name} <==\n${f.content}`).join('\n');
    return failure(`${refused.daemon} refuses what node ${refused.node} renders`, `${refused.output}\n\n${files}`);
  }
  return { kind: 'accepted', nodes: site.nodes.length, checks: results.length };
}

/** `tierlb render FILE --node X` itself, for one node of each role: exit 0 and output. */
async function renderOnePerRole(site: Site, file: string): Promise<Verdict | undefined> {
  const firsts = site.nodes.filter((n, i) => site.nodes.findIndex((m) => m.role === n.role) === i);
  for (const { name } of firsts) {
    const run = await cli(['render', file, '--node', name]);
    const broken = misbehaviour(run);
    if (broken) return broken;
    if (run.code !== 0 || run.out === '') return failure(`render --node ${name} exited ${run.code}`, run.err);
  }
  return undefined;
}

function failure(what: string, detail: string): Verdict {
  return { kind: 'failure', what, detail };
}
