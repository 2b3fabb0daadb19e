// The one parser every entry point shares: YAML text in, a trusted Site or
// the complete list of problems out. Pure: reading the file is the caller's.
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { crossCheck } from './crosscheck.js';
import type { FieldPath, SiteIssue } from './errors.js';
import type { Site } from './model.js';
import { resolveSite } from './resolve.js';
import { siteSchema } from './schema.js';

export type SiteResult = { ok: true; site: Site } | { ok: false; issues: SiteIssue[] };

export function parseSiteText(text: string): SiteResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({ path: [], message: `YAML: ${e.message.split('\n')[0]}`, line: lines.linePos(e.pos[0]).line })),
    };
  }
  return parseSiteValue(doc.toJS({ maxAliasCount: 100 }), (path) => lineOf(doc, lines, path));
}

/** Parses an already-decoded value (tests, etcd later); `lineOf` maps a path to its line. */
export function parseSiteValue(value: unknown, lineOf: (path: FieldPath) => number | undefined = () => undefined): SiteResult {
  const parsed = siteSchema.safeParse(value, { reportInput: true });
  const withLines = (issues: { path: FieldPath; message: string }[]): SiteIssue[] =>
    issues.map((i) => ({ ...i, line: lineOf(i.path) }));
  if (!parsed.success) return { ok: false, issues: withLines(parsed.error.issues.flatMap(describeZodIssue)) };
  const problems = crossCheck(parsed.data);
  if (problems.length > 0) return { ok: false, issues: withLines(problems) };
  return { ok: true, site: resolveSite(parsed.data) };
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
    default:
      return [{ path, message: issue.message }];
  }
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v) ?? String(v);
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
