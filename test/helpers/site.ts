// Loads example and test sites through the real parser.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { parseSiteText, parseSiteValue, formatIssue, type Site, type SiteIssue, type SiteNode } from '../../site/index.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLE_SITE = join(REPO, 'examples', 'site.yaml');

export function loadSite(file = EXAMPLE_SITE): Site {
  const r = parseSiteText(readFileSync(file, 'utf8'));
  if (!r.ok) throw new Error(r.issues.map((i) => formatIssue(i)).join('\n'));
  return r.site;
}

/** The example site as a plain object, to mutate in tests before parsing. */
export function exampleValue(): Record<string, unknown> {
  return parseDocument(readFileSync(EXAMPLE_SITE, 'utf8')).toJS() as Record<string, unknown>;
}

export function parseValue(value: unknown): { site?: Site; issues: SiteIssue[] } {
  const r = parseSiteValue(value);
  return r.ok ? { site: r.site, issues: [] } : { issues: r.issues };
}

/** The node named `name`; a test about a node that is not there fails here, by name. */
export function nodeOf(site: Site, name: string): SiteNode {
  const node = site.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`expected node ${name} in site ${site.name}`);
  return node;
}

/** The parsed site of `parseValue`, or a failure listing why it did not parse. */
export function siteOf(value: unknown): Site {
  const r = parseValue(value);
  if (!r.site) throw new Error(r.issues.map((i) => formatIssue(i)).join('\n'));
  return r.site;
}
