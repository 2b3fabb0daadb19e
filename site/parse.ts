// The one parser every entry point shares: YAML text in, a trusted Site or
// the complete list of problems out. Pure: reading the file is the caller's.
import { isMap, isSeq, LineCounter, type Document } from 'yaml';
import type { z } from 'zod';
import { crossCheck } from './crosscheck.js';
import type { Sections } from './crosscheck-report.js';
import type { FieldPath, SiteIssue } from './errors.js';
import { cutShort, ISSUE_MESSAGE_MAX_CHARS, ISSUE_VALUE_MAX_CHARS, readYaml, SITE_MAX_VALUES } from './limits.js';
import type { Site } from './model.js';
import { resolveSite } from './resolve.js';
import { siteSchema } from './schema.js';

export type SiteResult = { ok: true; site: Site } | { ok: false; issues: SiteIssue[] };

export function parseSiteText(text: string): SiteResult {
  const lines = new LineCounter();
  const read = readYaml(text, lines);
  if (!read.ok) return { ok: false, issues: sortIssues(read.issues) };
  const { doc } = read;
  let value: unknown;
  try {
    // readYaml bounded the expanded size already; this is yaml's own guard, set where it cannot refuse first.
    value = doc.toJS({ maxAliasCount: SITE_MAX_VALUES });
  } catch (err) {
    return { ok: false, issues: [{ path: [], message: `YAML: ${cutShort((err as Error).message, ISSUE_VALUE_MAX_CHARS)}`, line: 1 }] };
  }
  if (value === null || value === undefined) {
    return { ok: false, issues: [{ path: [], message: 'expected a mapping of the site\'s sections (site, bgp, services, pools, nodes), got an empty document', line: 1 }] };
  }
  // A field that is nowhere in the file (a missing key of an empty section) is blamed on line 1, not on no line.
  return parseSiteValue(value, (path) => lineOf(doc, lines, path) ?? 1);
}

/** Parses an already-decoded value (tests, etcd later); `lineOf` maps a path to its line. */
export function parseSiteValue(value: unknown, lineOf: (path: FieldPath) => number | undefined = () => undefined): SiteResult {
  const parsed = siteSchema.safeParse(value, { reportInput: true });
  const fail = (issues: { path: FieldPath; message: string }[]): SiteResult =>
    ({ ok: false, issues: sortIssues(issues.map((i) => ({ ...i, message: cutShort(i.message, ISSUE_MESSAGE_MAX_CHARS), line: lineOf(i.path) }))) });
  if (!parsed.success) {
    // Beside the field errors, the cross-checks of every section that parsed
    // on its own: one run shows the operator everything it can.
    return fail([...parsed.error.issues.flatMap(describeZodIssue), ...crossCheck(parsedSections(value))]);
  }
  const problems = crossCheck(parsed.data);
  if (problems.length > 0) return fail(problems);
  return { ok: true, site: resolveSite(parsed.data) };
}

/** Each top-level section parsed alone; the schema has no rule across sections, so this agrees with the whole parse. */
function parsedSections(value: unknown): Sections {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const raw = value as Record<string, unknown>;
  const sections: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(siteSchema.shape)) {
    const r = schema.safeParse(raw[key]);
    if (r.success) sections[key] = r.data;
  }
  return sections as Sections;
}

/** By line, then path, then message: the same file always prints the same list. */
export function sortIssues(issues: readonly SiteIssue[]): SiteIssue[] {
  const lineKey = (i: SiteIssue): number => i.line ?? Number.MAX_SAFE_INTEGER;
  return [...issues].sort((a, b) =>
    lineKey(a) - lineKey(b) || comparePaths(a.path, b.path) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function describeZodIssue(issue: z.core.$ZodIssue): { path: FieldPath; message: string }[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => ({ path: [...path, k], message: 'unknown key' }));
    case 'invalid_type':
      return [{ path, message: issue.input === undefined ? `missing: expected ${issue.expected}` : `expected ${issue.expected}, got ${show(issue.input)}` }];
    case 'invalid_value':
      return [{ path, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${show(issue.input)}` }];
    case 'too_small':
      return [{ path, message: issue.origin === 'array' ? `expected at least ${String(issue.minimum)} item(s)` : `expected at least ${String(issue.minimum)}, got ${show(issue.input)}` }];
    case 'too_big':
      return [{ path, message: issue.origin === 'array' ? `expected at most ${String(issue.maximum)} item(s)` : `expected at most ${String(issue.maximum)}, got ${show(issue.input)}` }];
    case 'invalid_format':
      return [{ path, message: `${issue.message}, got ${show(issue.input)}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

function show(v: unknown): string {
  if (v === null) return 'null';
  // JSON has no infinity: JSON.stringify(Infinity) would print "null".
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan (not a number)' : `${v > 0 ? '' : '-'}.inf (infinity)`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return cutShort(JSON.stringify(v) ?? String(v), ISSUE_VALUE_MAX_CHARS);
}

/** The line of the deepest part of `path` that exists in the document. */
function lineOf(doc: Document, lines: LineCounter, path: FieldPath): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    const parent = n === 0 ? doc.contents : doc.getIn(prefix.slice(0, -1), true);
    const last = prefix[prefix.length - 1];
    if (n > 0 && isMap(parent) && typeof last === 'string') {
      const pair = parent.items.find((it) => (it.key as { value?: unknown } | null)?.value === last);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
      continue;
    }
    const node = n === 0 ? doc.contents : doc.getIn(prefix, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range && (n === 0 || isSeq(parent) || isMap(parent))) return lines.linePos(range[0]).line;
  }
  return undefined;
}
