// Errors in a site file: each names the field (path), its line when the file
// has one, and the reason. Validation collects every one of them.
export type FieldPath = readonly (string | number)[];

export interface SiteIssue {
  readonly path: FieldPath;
  readonly message: string;
  /** 1-based line in the source file, when the field can be found there. */
  readonly line?: number;
}

/** Keys that print as they are; any other (an unknown key the file made up) is quoted. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** An unknown key is echoed, so it is bounded like a value: one issue stays one short line. */
const KEY_MAX_CHARS = 60;

/**
 * `services[1].vips[0]`: the form an operator reads and greps for. A key
 * that is not a plain word prints quoted, `nodes[0]["a b"]`, so a newline or
 * a carriage return in it cannot split or overwrite the line it is on.
 */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (!PLAIN_KEY.test(part) || part.length > KEY_MAX_CHARS) out += `[${quoteKey(part)}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(file)' : out;
}

function quoteKey(key: string): string {
  if (key.length <= KEY_MAX_CHARS) return JSON.stringify(key);
  // Never split a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(key.charAt(KEY_MAX_CHARS - 1)) ? KEY_MAX_CHARS - 1 : KEY_MAX_CHARS;
  return `${JSON.stringify(key.slice(0, end))}… (${key.length} characters)`;
}

export function formatIssue(issue: SiteIssue, source?: string): string {
  const where = [source, issue.line === undefined ? undefined : `line ${issue.line}`].filter(Boolean).join(':');
  return `${where ? `${where}: ` : ''}${formatPath(issue.path)}: ${issue.message}`;
}

/** Thrown only at the edges (CLI, agent start-up); the parser returns values. */
export class SiteInvalidError extends Error {
  readonly code = 'TIERLB_SITE_INVALID';
  constructor(readonly issues: readonly SiteIssue[], readonly source?: string) {
    super(`${source ?? 'site'}: ${issues.length} error(s)\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'SiteInvalidError';
  }
}
